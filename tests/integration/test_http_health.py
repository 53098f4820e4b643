"""The HTTP side of health (issue 19) and of supervisord's API (issue 16):
GET /metrics (the same text as `tendctl metrics`, from the same
formatter), [tend] http_probes_public, credentials changed by a reload,
passwords masked by `tendd -n -v`, and the issue's "done means": a
pod-like config whose frozen HTTP app is restarted while a kubelet-style
client sees /readyz go 503 and back to 200."""

import base64
import os
import signal
import socket
import subprocess

import pytest

from tendlib import EXIT_OK, LIVENESS, TENDD, is_alive, run
from test_health import free_port
from test_metrics import PROMTOOL, parse


def http(path, sock=None, port=None, auth=None, method="GET"):
    """One HTTP/1.0 request on the control socket SOCK or on 127.0.0.1's
    PORT; (status, body), or None when tendd has no HTTP."""
    fam = socket.AF_UNIX if sock is not None else socket.AF_INET
    with socket.socket(fam, socket.SOCK_STREAM) as s:
        s.settimeout(LIVENESS)
        s.connect(str(sock) if sock is not None else ("127.0.0.1", port))
        head = f"{method} {path} HTTP/1.0\r\nHost: x\r\n"
        if auth is not None:
            tok = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
            head += f"Authorization: Basic {tok}\r\n"
        s.sendall((head + "\r\n").encode())
        data = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
    if not data.startswith(b"HTTP/"):
        return None
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body.decode()


def need_http(r):
    if r is None:
        pytest.skip("tendd built without HTTP")
    return r


def families(text):
    """{(metric, labels...)} of a metrics text: what must be the same
    whoever asks (values move: uptimes, CPU, tendd's own clients)."""
    _, samples = parse(text)
    return {(n, tuple(sorted(lab.items()))) for (n, lab, _) in samples}


def promtool_ok(text):
    if not PROMTOOL:
        return
    p = subprocess.run([PROMTOOL, "check", "metrics"], input=text,
                       capture_output=True, text=True, timeout=LIVENESS)
    assert p.returncode == 0, (p.stdout, p.stderr, text)


def test_metrics_over_http_is_tendctls_text(tend):
    """GET /metrics on the control socket and on [inet_http_server]: the
    families, samples and labels of `tendctl metrics`, health included;
    passes promtool when it is installed."""
    port, dead = free_port(), free_port()
    tend.start(f"""
        [inet_http_server]
        port=127.0.0.1:{port}

        [program:app]
        command={{H}}/sleeper
        startsecs=0
        healthcheck=tcp:127.0.0.1:{dead}
        healthcheck_interval=0.2
        healthcheck_retries=1
        healthcheck_action=none

        [program:plain]
        command={{H}}/sleeper
        startsecs=0
    """)
    need_http(http("/healthz", sock=tend.sock))
    tend.wait_rec("app", lambda r: r["health"]["state"] == "unhealthy",
                  what="app unhealthy")
    tend.wait_state("plain", "RUNNING")
    ctl = tend.ctl("metrics", check=EXIT_OK).out
    for where in ({"sock": tend.sock}, {"port": port}):
        status, body = http("/metrics", **where)
        assert status == 200, (where, body)
        assert families(body) == families(ctl), where
        _, samples = parse(body)
        healthy = [v for (n, lab, v) in samples
                   if n == "tend_process_healthy"]
        assert healthy == [0.0], samples  # app only: plain has no probe
        assert any(n == "tend_process_health_probes_total" and
                   lab["name"] == "app" and v >= 1
                   for (n, lab, v) in samples)
        promtool_ok(body)
    # HEAD answers too (scrapers and load balancers use it)
    assert http("/metrics", sock=tend.sock, method="HEAD")[0] == 200
    promtool_ok(ctl)


AUTH = """
    [unix_http_server]
    file={sock}
    username=alice
    password={pw}

    [inet_http_server]
    port=127.0.0.1:{port}
    username=alice
    password={pw}

    [supervisord]
    childlogdir={logdir}

    [tend]
    {public}

    [program:app]
    command={{H}}/sleeper
    startsecs=0
"""


def auth_conf(tend, port, pw, public=""):
    pw = pw.replace("{", "{{").replace("}", "}}")  # subst() formats again
    tend.write_config(AUTH.format(sock=tend.sock, port=port, pw=pw,
                                  logdir=tend.logdir, public=public),
                      header=False)


@pytest.mark.parametrize("public", [False, True])
def test_http_probes_public(tend, public):
    """With credentials configured, /healthz and /readyz need them unless
    [tend] http_probes_public=true; /metrics and /RPC2 always do."""
    port = free_port()
    auth_conf(tend, port, "pw",
              "http_probes_public=true" if public else "")
    tend.start(None)
    tend.wait_state("app", "RUNNING")
    for where in ({"sock": tend.sock}, {"port": port}):
        need_http(http("/healthz", auth=("alice", "pw"), **where))
        for path, code in (("/healthz", 200), ("/readyz", 200)):
            assert http(path, auth=("alice", "pw"), **where)[0] == code
            assert http(path, **where)[0] == (code if public else 401)
            assert http(path, auth=("alice", "no"), **where)[0] == \
                (code if public else 401)
        assert http("/metrics", **where)[0] == 401
        assert http("/metrics", auth=("alice", "pw"), **where)[0] == 200
        assert http("/RPC2", method="POST", **where)[0] == 401
        # only those two paths: nothing else is public
        assert http("/healthz/", **where)[0] == 401
        assert http("/logtail/app", **where)[0] == 401


def test_reload_applies_new_http_password(tend):
    """A reload that changes [unix_http_server] and [inet_http_server]
    passwords applies them to the next request: the old one is refused
    (401), the new one works; the reply says so without the password."""
    port = free_port()
    auth_conf(tend, port, "old-secret")
    tend.start(None)
    for where in ({"sock": tend.sock}, {"port": port}):
        need_http(http("/metrics", auth=("alice", "old-secret"), **where))
        assert http("/metrics", auth=("alice", "old-secret"),
                    **where)[0] == 200
    auth_conf(tend, port, "new-secret")
    r = tend.ctl("reread", check=EXIT_OK)
    assert "username/password: changed" in r.out + r.err, r
    assert "secret" not in r.out + r.err
    # reread alone applies nothing
    assert http("/metrics", sock=tend.sock,
                auth=("alice", "old-secret"))[0] == 200
    tend.ctl("update", check=EXIT_OK)
    for where in ({"sock": tend.sock}, {"port": port}):
        assert http("/metrics", auth=("alice", "old-secret"),
                    **where)[0] == 401, where
        assert http("/metrics", auth=("alice", "new-secret"),
                    **where)[0] == 200, where
    assert "HTTP credentials changed" in tend.log_text()
    assert "secret" not in tend.log_text()
    # SIGHUP takes the same path
    auth_conf(tend, port, "third-secret")
    os.kill(tend.pid, signal.SIGHUP)
    tend.wait_until(lambda: http("/metrics", port=port,
                                 auth=("alice", "third-secret"))[0] == 200,
                    timeout=LIVENESS, what="the SIGHUP's password")
    assert http("/metrics", port=port, auth=("alice", "new-secret"))[0] == \
        401


def test_dump_masks_passwords(tend):
    """tendd -n -v prints "(set)" for both passwords, never the text."""
    auth_conf(tend, free_port(), "{SHA}" + "ab" * 20)
    r = run([TENDD, "-n", "-v", "-c", tend.conf])
    assert r.rc == 0, r
    assert "abab" not in r.out + r.err
    lines = [ln.split() for ln in r.out.splitlines()]
    pw = [ln for ln in lines if ln[:1] == ["password"]]
    # [unix_http_server]'s and [inet_http_server]'s ([supervisorctl]'s
    # is not read)
    assert pw.count(["password", "(set)"]) == 2, pw
    assert ["username", "alice"] in lines


def readyz(port):
    return http("/readyz", port=port)


def test_pod_frozen_app_restarted_readyz_flips(tend):
    """The issue's "done means", as a new user would try it: a pod-like
    config (an HTTP app probed over http:, a worker; tendd's
    [inet_http_server] probed by a kubelet-style client with public
    probes).  Freezing the app gets it restarted once healthcheck_retries
    probes have failed; the events say why; /readyz answers 503 naming
    the app while it is unhealthy or restarting, and 200 after."""
    app, kube = free_port(), free_port()
    tend.start(f"""
        [tend]
        http_probes_public=true

        [inet_http_server]
        port=127.0.0.1:{kube}
        username=admin
        password=not-for-kubelet

        [program:app]
        command=/usr/bin/python3 -m http.server {app} --bind 127.0.0.1
        directory={{T}}
        healthcheck=http://127.0.0.1:{app}/
        healthcheck_interval=0.5
        healthcheck_timeout=0.5
        healthcheck_retries=3
        readiness=health
        stopwaitsecs=1
        stdout_logfile=NONE
        stderr_logfile=NONE

        [program:worker]
        command={{H}}/sleeper
        startsecs=0
    """)
    need_http(readyz(kube))
    tend.wait_until(lambda: readyz(kube) == (200, "ready\n"),
                    timeout=LIVENESS, what="/readyz 200")
    pid = tend.pid_of("app")
    worker = tend.pid_of("worker")
    os.kill(pid, signal.SIGSTOP)
    # While frozen and until the new app passes a probe: 503 naming it.
    seen = []

    def not_ready():
        r = readyz(kube)
        if r[0] == 503:
            seen.append(r[1])
        return r[0] == 503
    tend.wait_until(not_ready, timeout=LIVENESS, what="/readyz 503")
    assert seen[0].startswith("app "), seen
    assert "worker" not in seen[0]
    rec = tend.wait_rec("app", lambda r: r["pid"] not in (0, pid) and
                        r["state"] == "RUNNING" and
                        r["health"]["state"] == "healthy",
                        timeout=LIVENESS, what="app restarted and healthy")
    assert not is_alive(pid)
    tend.wait_until(lambda: readyz(kube) == (200, "ready\n"),
                    timeout=LIVENESS, what="/readyz 200 again")
    # The restart came from the probes: exactly retries failures in a
    # row, then RUNNING -> STOPPING, with the reason in the events.
    evs = tend.history("app")
    i = next(k for k, e in enumerate(evs)
             if e.get("health") == "unhealthy" and e["state"] == "RUNNING")
    assert "unhealthy (3 failures: timed out after 0.5s)" in \
        evs[i]["description"], evs[i]
    assert any((e["from"], e["state"]) == ("RUNNING", "STOPPING")
               for e in evs[i:]), evs
    assert "restarting (healthcheck_action=restart)" in tend.log_text()
    assert rec["health"]["actions"] == 1
    # The worker was left alone.
    assert tend.pid_of("worker") == worker
    assert tend.status_of("worker")["state"] == "RUNNING"
