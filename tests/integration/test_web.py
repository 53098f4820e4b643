"""The web page for people (src/web.c, web_page.c) over HTTP: on the
control socket and on [inet_http_server], with Python's http.client.

Every action (start, stop, restart, clear; a process, a group, all) is
tried through POST /action with the session's token; the token missing,
wrong or of another session, a cross-site form and a GET are refused
and change nothing; a process named with <script> in it is escaped on
every page; the security headers are on every page; basic auth guards
it all.  The browser's side is test_web_browser.py."""

import json
import re
import socket
import time

import pytest

import tendlib
from webclient import Web, free_port, quote

PROGS = """
[program:web]
command={H}/sleeper
startsecs=0

[program:talk]
command=/bin/sh -c "echo said-something; exec {H}/sleeper"
startsecs=0

[program:pool]
command={H}/sleeper
process_name=%(program_name)s_%(process_num)d
numprocs=2
startsecs=0
"""

CSP = ("default-src 'none'; style-src 'self'; script-src 'self'; "
       "img-src 'self' data:; connect-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'")

EVIL = '<script>alert("x")<b>'


def start_inet(tend, body, user="bob", password="pw"):
    port = free_port()
    auth = (f"username={user}\npassword={password}\n"
            if user is not None else "")
    tend.start(body + f"\n[inet_http_server]\nport=127.0.0.1:{port}\n"
               + auth)
    tend.wait_all()
    return port


def pids(tend):
    return {n: r["pid"] for n, r in tend.status_json().items()}


def test_status_page_lists_every_process(tend):
    tend.start(PROGS)
    tend.wait_all()
    w = Web(sock=tend.sock)
    r = w.get("/")
    assert r.status == 200
    assert r.header("Content-Type") == "text/html; charset=utf-8"
    for name, rec in tend.status_json().items():
        assert f'data-name="{name}"' in r.body
        assert f"pid {rec['pid']}," in r.body
    # supervisord's columns and tend's
    for col in ("State", "Description", "Name", "PSS", "CPU", "Procs",
                "Health", "Restarts/h", "Actions"):
        assert f">{col}</th>" in r.body
    assert 'value="restart pool:*"' in r.body     # group actions
    assert 'value="stop all"' in r.body           # all
    assert 'href="/tail/web"' in r.body
    assert 'href="/proc/pool:pool_1"' in r.body
    # without script: a refresh, as supervisord's page does
    assert ('<noscript><meta http-equiv="refresh" content="10">'
            '</noscript>') in r.body
    # a session: SameSite=Strict, HttpOnly
    sc = r.header("Set-Cookie")
    assert re.fullmatch(r"tend_sid=[0-9a-f]{32}; Path=/; HttpOnly; "
                        r"SameSite=Strict", sc), sc
    # ?q= filters without script
    r = w.get("/?q=pool")
    assert 'data-name="pool:pool_0"' in r.body
    assert 'data-name="web"' not in r.body


def test_security_headers_and_no_inline_code(tend):
    port = start_inet(tend, PROGS, user=None)
    w = Web(port=port)
    for path in ("/", "/proc/web", "/tail/web", "/proc/nope"):
        r = w.get(path)
        assert r.header("Content-Security-Policy").startswith(CSP), path
        assert r.header("X-Content-Type-Options") == "nosniff"
        assert r.header("Referrer-Policy") == "same-origin"
        assert r.header("X-Frame-Options") == "DENY"
        # no inline script or style: every <script> has a src, no
        # style attribute or element, no on* handler
        for tag in re.findall(r"<script[^>]*>", r.body):
            assert 'src="/static/tend.js"' in tag, tag
        assert "<style" not in r.body and " style=" not in r.body
        assert not re.search(r"\son[a-z]+=", r.body), path
    css = w.get("/static/tend.css")
    assert css.status == 200 and css.header("Content-Type").startswith(
        "text/css")
    js = w.get("/static/tend.js")
    assert js.status == 200 and "EventSource" in js.body
    assert js.header("Content-Type").startswith("text/javascript")
    assert w.get("/static/nope.js").status == 404


def test_every_action(tend):
    port = start_inet(tend, PROGS)
    w = Web(port=port, user="bob", password="pw")
    tok = w.token()
    before = pids(tend)

    r = w.act("stop web", tok)
    assert r.status == 303 and r.header("Location").startswith("/?m=")
    assert tend.state("web") == "STOPPED"   # answered once done
    assert w.message(r.header("Location")) == "web: stopped"

    r = w.act("start web", tok)
    assert r.status == 303
    assert tend.state("web") == "RUNNING"
    assert w.message(r.header("Location")) == "web: started"

    p = tend.pid_of("web")
    r = w.act("restart web", tok, back="/proc/web")
    assert r.status == 303
    assert r.header("Location").startswith("/proc/web?m=")
    assert tend.pid_of("web") not in (0, p)
    assert "web: started" in w.message(r.header("Location"))

    # clear: the log file is emptied
    log = tend.status_json()["talk"]["stdout_logfile"]
    tend.wait_until(lambda: "said-something" in open(log).read())
    r = w.act("clear talk", tok)
    assert r.status == 303
    assert open(log).read() == ""
    assert w.message(r.header("Location")) == "talk: cleared"

    # a group
    gp = {n: tend.pid_of(n) for n in ("pool:pool_0", "pool:pool_1")}
    assert w.act("restart pool:*", tok).status == 303
    for n, old in gp.items():
        assert tend.pid_of(n) not in (0, old)
    assert w.act("stop pool:*", tok).status == 303
    assert tend.state("pool:pool_0") == tend.state("pool:pool_1") == \
        "STOPPED"
    assert w.act("start pool:*", tok).status == 303
    tend.wait_all()

    # all
    assert w.act("stop all", tok).status == 303
    assert all(r["state"] == "STOPPED" for r in tend.status_json().values())
    assert w.act("start all", tok).status == 303
    tend.wait_all()
    now = pids(tend)
    assert w.act("restart all", tok).status == 303
    after = pids(tend)
    assert all(after[n] not in (0, now[n], before[n]) for n in after)

    # an unknown process: the message says so, nothing else happens
    r = w.act("restart nope", tok)
    assert r.status == 303
    assert w.message(r.header("Location")) == "nope: no such process"
    assert pids(tend) == after


def test_token_refused_when_missing_wrong_or_foreign(tend):
    port = start_inet(tend, PROGS, user=None)
    w = Web(port=port)
    tok = w.token()
    before = pids(tend)
    other = Web(port=port)
    other_tok = other.token()
    assert other_tok != tok

    cases = [
        ("no token", dict(token=None)),
        ("wrong token", dict(token="0" * 64)),
        ("truncated token", dict(token=tok[:-1])),
        ("another session's token", dict(token=other_tok)),
        ("no session cookie", dict(token=tok, cookie=False)),
    ]
    for what, kw in cases:
        r = w.act("stop web", **kw)
        assert r.status == 403, what
        assert r.body.startswith("403 Forbidden"), what
    # A forged cross-site form: what a browser sends when a page on
    # another site posts to this one (SameSite=Strict keeps the cookie
    # home; even with it, the browser's headers give the site away).
    for hdrs in ({"Origin": "http://evil.example",
                  "Sec-Fetch-Site": "cross-site"},
                 {"Origin": "http://evil.example"},
                 {"Sec-Fetch-Site": "same-site"}):
        r = w.act("stop web", tok, headers=hdrs)
        assert r.status == 403, hdrs
        r = w.act("stop web", None, headers=hdrs, cookie=False)
        assert r.status == 403, hdrs
    # never from a GET
    r = w.get("/action?do=stop+web&token=" + tok)
    assert r.status in (404, 405)
    r = w.request("GET", "/action", body={"do": "stop web", "token": tok})
    assert r.status in (404, 405)
    assert pids(tend) == before
    assert all(r["state"] == "RUNNING" for r in tend.status_json().values())
    # the same session's token from the same origin works
    r = w.act("stop web", tok, headers={"Origin": f"http://127.0.0.1:{port}",
                                        "Sec-Fetch-Site": "same-origin"})
    assert r.status == 303
    assert tend.state("web") == "STOPPED"


def test_a_malformed_action_is_refused(tend):
    tend.start(PROGS)
    tend.wait_all()
    w = Web(sock=tend.sock)
    tok = w.token()
    before = pids(tend)
    for do in ("stop", "stop ", "kill web", "", "restart"):
        assert w.act(do, tok).status == 400, do
    r = w.request("POST", "/action", body=b"token=%zz&do=stop+web",
                  headers={"Content-Type":
                           "application/x-www-form-urlencoded"})
    assert r.status == 403
    assert pids(tend) == before
    # back= is rebuilt, never echoed into Location
    r = w.act("restart web", tok, back="http://evil.example/\r\nX: y")
    assert r.status == 303 and r.header("Location").startswith("/?m=")
    assert r.header("X") is None


def test_401_without_the_password(tend):
    port = start_inet(tend, PROGS)
    before = pids(tend)
    for w in (Web(port=port), Web(port=port, user="bob", password="no"),
              Web(port=port, user="eve", password="pw")):
        for path in ("/", "/proc/web", "/tail/web", "/static/tend.css",
                     "/events"):
            r = w.get(path)
            assert r.status == 401, path
            assert "Basic" in r.header("WWW-Authenticate")
            assert "pid " not in r.body
        assert w.act("stop web", "0" * 64).status == 401
    assert pids(tend) == before
    assert Web(port=port, user="bob", password="pw").get("/").status == 200


def test_401_on_the_unix_socket_with_a_password(tend):
    tend.write_config(f"""
[unix_http_server]
file={tend.sock}
username=bob
password=pw

[supervisord]
childlogdir={tend.logdir}

[program:web]
command={{H}}/sleeper
startsecs=0
""", header=False)
    tend.start()
    tend.wait_all()
    assert Web(sock=tend.sock).get("/").status == 401
    w = Web(sock=tend.sock, user="bob", password="pw")
    tok = w.token()
    p = tend.pid_of("web")
    assert w.act("restart web", tok).status == 303
    assert tend.pid_of("web") not in (0, p)


def test_a_script_name_is_escaped_everywhere(tend):
    tend.start(PROGS + f"""
[program:{EVIL}]
command=/bin/sh -c "echo '<img src=x onerror=alert(1)>'; exec {{H}}/sleeper"
startsecs=0
""")
    tend.wait_all()
    w = Web(sock=tend.sock)
    esc = "&lt;script&gt;alert(&quot;x&quot;)&lt;b&gt;"
    url = "/proc/" + quote(EVIL)
    pages = [w.get("/"), w.get(url), w.get("/tail/" + quote(EVIL)),
             w.get("/?q=" + quote(EVIL))]
    for r in pages:
        assert r.status == 200
        assert "<script>alert" not in r.body
        assert "<b>" not in r.body
        assert esc in r.body
    assert 'href="/proc/%3Cscript%3Ealert%28%22x%22%29%3Cb%3E"' in \
        pages[0].body
    assert "<img" not in pages[2].body
    assert "&lt;img src=x onerror=alert(1)&gt;" in pages[2].body
    # and acting on it works
    tok = w.token()
    p = tend.pid_of(EVIL)
    r = w.act("restart " + EVIL, tok, back="/proc/" + EVIL)
    assert r.status == 303
    assert r.header("Location").startswith(
        "/proc/%3Cscript%3Ealert%28%22x%22%29%3Cb%3E?m=")
    assert tend.pid_of(EVIL) not in (0, p)
    msg = w.get(r.header("Location")).body
    assert "<script>alert" not in msg


def test_process_page_shows_why_it_keeps_dying(tend):
    tend.start(PROGS + """
[program:crashy]
command={H}/crasher 3 300
startsecs=0
autorestart=true
""")
    tend.wait_until(lambda: len([e for e in tend.history("crashy")
                                 if (e.get("exit") or {}).get("code") == 3])
                    >= 3,
                    what="three exits of crashy")
    w = Web(sock=tend.sock)
    r = w.get("/proc/crashy")
    assert r.status == 200
    assert "<dt>Last exit</dt><dd>exit status 3" in r.body
    assert r.body.count("<td>status 3</td>") >= 3      # the history
    assert '<svg class="chart"' in r.body
    assert 'class="bar"' in r.body                   # starts charted
    # in its own words: the end of its stderr (crasher says why there)
    last = r.body.split('<h2>Last output <span class="desc">(stderr)'
                        '</span></h2><pre class="last">', 1)
    assert len(last) == 2, "no Last output (stderr) section"
    assert "exiting with 3" in last[1].split("</pre>", 1)[0]
    m = re.search(r'<td class="num rs">(\d+)</td>',
                  w.get("/?q=crashy").body)
    assert m and int(m.group(1)) >= 2
    # the tree of a running process, as tendctl ps shows it
    rec = tend.wait_rec("web", lambda r: r["pid"] > 0)
    r = w.get("/proc/web")
    assert f'<td class="num">{rec["pid"]}</td>' in r.body
    assert "sleeper</td>" in r.body
    # the live part alone, for the script
    part = w.get("/proc/web?part=main").body
    assert part.startswith('<div id="live">') and "<html" not in part
    assert w.get("/proc/nope").status == 404
    assert w.get("/tail/nope").status == 404
    assert w.get("/nope").status == 404


def test_process_page_last_output_from_stdout_when_merged(tend):
    """redirect_stderr: the page shows the end of stdout, where stderr
    went, escaped; only whole lines of a long log."""
    tend.start(PROGS + """
[program:loud]
command=/bin/sh -c 'i=0; while [ $i -lt 200 ]; do echo "line $i of noise"; i=$((i+1)); done; echo "<b>fatal: db unreachable</b>" >&2; exit 4'
startsecs=0
autorestart=false
redirect_stderr=true
""")
    tend.wait_state("loud", "EXITED")
    body = Web(sock=tend.sock).get("/proc/loud").body
    last = body.split('<h2>Last output <span class="desc">(stdout)'
                      '</span></h2><pre class="last">', 1)
    assert len(last) == 2, "no Last output (stdout) section"
    text = last[1].split("</pre>", 1)[0]
    assert text.endswith("&lt;b&gt;fatal: db unreachable&lt;/b&gt;\n")
    assert "<b>fatal" not in body
    assert text.startswith("line ") and "line 199 of noise\n" in text
    assert "line 0 of noise" not in text


def test_tail_page(tend):
    tend.start(PROGS)
    tend.wait_all()
    log = tend.status_json()["talk"]["stdout_logfile"]
    tend.wait_until(lambda: "said-something" in open(log).read())
    w = Web(sock=tend.sock)
    r = w.get("/tail/talk")
    assert r.status == 200
    assert "said-something" in r.body
    assert 'data-src="/logtail/talk"' in r.body
    assert ('<noscript><meta http-equiv="refresh" content="5">'
            '</noscript>') in r.body


def read_events(sock, want, timeout):
    """SSE records from a socket until WANT(records) holds."""
    buf, recs = b"", []
    deadline = time.monotonic() + tendlib.live(timeout)
    while not want(recs):
        assert time.monotonic() < deadline, recs
        b = sock.recv(65536)
        assert b, recs
        buf += b
        while b"\n\n" in buf:
            chunk, buf = buf.split(b"\n\n", 1)
            for line in chunk.split(b"\n"):
                if line.startswith(b"data: "):
                    recs.append(json.loads(line[6:]))
    return recs


def test_events_stream(tend):
    port = start_inet(tend, PROGS, user=None)
    s = socket.create_connection(("127.0.0.1", port), timeout=60)
    s.sendall(b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(1)
    assert b"200 OK" in head
    assert b"Content-Type: text/event-stream" in head
    first = read_events(s, lambda r: len(r) >= 1, 10)
    assert "next" in first[0]
    tend.ctl("restart", "web", check=0)
    recs = read_events(s, lambda r: any(
        e.get("fullname") == "web" and e.get("state") == "RUNNING"
        for e in r), 10)
    states = [e["state"] for e in recs if e.get("fullname") == "web"]
    assert states[:2] == ["STOPPING", "STOPPED"]
    s.close()
    # ?since=N replays what came after N
    w = Web(port=port)
    since = int(first[0]["next"]) - 1
    s = socket.create_connection(("127.0.0.1", port), timeout=60)
    s.sendall(f"GET /events?since={since} HTTP/1.1\r\nHost: x\r\n\r\n"
              .encode())
    recs = read_events(s, lambda r: sum(1 for e in r if "seq" in e) >= 4,
                       10)
    assert [e["state"] for e in recs if "seq" in e][:4] == \
        ["STOPPING", "STOPPED", "STARTING", "RUNNING"]
    s.close()
    assert w.get("/").status == 200
