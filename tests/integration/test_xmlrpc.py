"""supervisord's API on tendd: XML-RPC through Python's xmlrpc.client with
supervisor's own transport (supervisor.xmlrpc.SupervisorTransport), on the
control socket and on [inet_http_server], basic auth, and hostile HTTP.

Needs Debian's `supervisor` package (its Python modules and
supervisorctl); dev.sh installs it."""

import hashlib
import http.client
import os
import socket
import subprocess
import time
import xmlrpc.client

import pytest

import tendlib

supervisor_xmlrpc = pytest.importorskip(
    "supervisor.xmlrpc", reason="Debian's supervisor package is needed")

PROG = """
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[program:web]
command={H}/sleeper
startsecs=0
"""


def proxy(url, user=None, password=None):
    """An xmlrpc.client proxy the way supervisorctl makes one."""
    t = supervisor_xmlrpc.SupervisorTransport(user, password, url)
    return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=t)


def unix_proxy(tend, user=None, password=None):
    return proxy(f"unix://{tend.sock}", user, password)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def raw_unix(tend, data=b"", timeout=10):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(str(tend.sock))
    if data:
        s.sendall(data)
    return s


def read_all(s):
    chunks = []
    while True:
        try:
            b = s.recv(65536)
        except ConnectionResetError:
            break
        if not b:
            break
        chunks.append(b)
    return b"".join(chunks)


def fault_of(call, *args):
    with pytest.raises(xmlrpc.client.Fault) as ei:
        call(*args)
    return ei.value.faultCode, ei.value.faultString


def test_system_methods(tend):
    tend.start(PROG)
    s = unix_proxy(tend)
    assert s.supervisor.getAPIVersion() == "3.0"
    assert s.supervisor.getVersion() == "3.0"
    assert s.supervisor.getPID() == tend.pid
    assert s.supervisor.getState() == {"statecode": 1,
                                       "statename": "RUNNING"}
    methods = s.system.listMethods()
    assert methods == sorted(methods)
    for m in ("system.listMethods", "system.methodHelp",
              "system.methodSignature", "system.multicall",
              "supervisor.getAPIVersion", "supervisor.getState"):
        assert m in methods
    assert s.system.methodSignature("system.methodHelp") == \
        ["string", "string"]
    assert s.system.methodSignature("supervisor.getState") == ["struct"]
    assert "@return" in s.system.methodHelp("supervisor.getPID")
    for m in methods:
        sig = s.system.methodSignature(m)
        assert sig and all(isinstance(t, str) for t in sig), (m, sig)
        assert isinstance(s.system.methodHelp(m), str)


def test_faults(tend):
    tend.start(PROG)
    s = unix_proxy(tend)
    assert fault_of(s.supervisor.noSuchMethod) == (1, "UNKNOWN_METHOD")
    assert fault_of(s.system.listMethods.x) == (1, "UNKNOWN_METHOD")
    assert fault_of(s.supervisor._private) == (1, "UNKNOWN_METHOD")
    assert fault_of(s.supervisor.getPID, 1) == (2, "INCORRECT_PARAMETERS")
    assert fault_of(s.system.methodHelp, "nope") == \
        (4, "SIGNATURE_UNSUPPORTED")
    assert fault_of(s.system.methodSignature, "nope") == \
        (4, "SIGNATURE_UNSUPPORTED")


def test_multicall(tend):
    tend.start(PROG)
    s = unix_proxy(tend)
    r = s.system.multicall([
        {"methodName": "supervisor.getPID", "params": []},
        {"methodName": "supervisor.getAPIVersion"},
        {"methodName": "nope.nope", "params": []},
        {"params": []},
        {"methodName": "system.multicall", "params": [[]]},
    ])
    # supervisord's shape: bare values, fault structs.
    assert r == [
        tend.pid, "3.0",
        {"faultCode": 1, "faultString": "UNKNOWN_METHOD"},
        {"faultCode": 2, "faultString": "INCORRECT_PARAMETERS: No methodName"},
        {"faultCode": 2, "faultString":
            "INCORRECT_PARAMETERS: Recursive system.multicall forbidden"},
    ]
    assert s.system.multicall([]) == []


def test_tendctl_and_http_share_the_socket(tend):
    tend.start(PROG)
    tend.wait_state("web", "RUNNING")
    s = unix_proxy(tend)
    assert s.supervisor.getAPIVersion() == "3.0"
    # An HTTP connection held open does not disturb tendctl.
    held = raw_unix(tend, b"GET /")
    rc, out, err = tend.ctl("status")
    assert rc == 0 and "web" in out, (rc, out, err)
    assert s.supervisor.getPID() == tend.pid
    held.close()


def test_basic_auth_unix(tend):
    pw = "s3cret"
    sha = hashlib.sha1(pw.encode()).hexdigest()
    tend.write_config(PROG, extra="")
    text = tend.conf.read_text().replace(
        "[unix_http_server]\n",
        "[unix_http_server]\nusername=alice\npassword={SHA}" + sha + "\n", 1)
    tend.conf.write_text(text)
    tend.start(None)
    assert unix_proxy(tend, "alice", pw).supervisor.getAPIVersion() == "3.0"
    for user, password in ((None, None), ("alice", "wrong"),
                           ("bob", pw), ("alice", sha)):
        with pytest.raises(xmlrpc.client.ProtocolError) as ei:
            unix_proxy(tend, user, password).supervisor.getPID()
        assert ei.value.errcode == 401
    # tendctl is checked by SO_PEERCRED, as before.
    rc, out, err = tend.ctl("status")
    assert rc == 0, (out, err)


def test_inet_http_server(tend):
    port = free_port()
    tend.start(PROG + f"""
[inet_http_server]
port=127.0.0.1:{port}
username=bob
password=pw
""")
    s = proxy(f"http://127.0.0.1:{port}", "bob", "pw")
    assert s.supervisor.getPID() == tend.pid
    with pytest.raises(xmlrpc.client.ProtocolError) as ei:
        proxy(f"http://127.0.0.1:{port}", "bob", "no").supervisor.getPID()
    assert ei.value.errcode == 401
    # The socket's credentials are its own: none were set there.
    assert unix_proxy(tend).supervisor.getPID() == tend.pid


def test_inet_beyond_loopback_without_password_warns(tend):
    port = free_port()
    tend.start(PROG + f"\n[inet_http_server]\nport=*:{port}\n")
    tend.wait_until(lambda: "WARNING: [inet_http_server]" in tend.log_text(),
                    what="the warning about an open TCP listener")


def http_status(raw):
    line = raw.split(b"\r\n", 1)[0]
    return int(line.split()[1]) if line.startswith(b"HTTP/") else None


def test_hostile_bodies(tend):
    tend.start(PROG)
    # 4 GiB announced: refused from the header, nothing read.
    s = raw_unix(tend, b"POST /RPC2 HTTP/1.1\r\nHost: x\r\n"
                 b"Content-Length: 4294967296\r\n\r\n<?xml")
    assert http_status(read_all(s)) == 413
    # Bad XML: 400, as supervisord.
    body = b"<?xml version='1.0'?><methodCall><methodName>x"
    s = raw_unix(tend, b"POST /RPC2 HTTP/1.0\r\nContent-Length: %d\r\n\r\n"
                 % len(body) + body)
    assert http_status(read_all(s)) == 400
    # Elsewhere: 404 and 405.
    s = raw_unix(tend, b"GET /nope HTTP/1.0\r\n\r\n")
    assert http_status(read_all(s)) == 404
    s = raw_unix(tend, b"DELETE /RPC2 HTTP/1.0\r\n\r\n")
    assert http_status(read_all(s)) == 405
    # Headers without end: cut off by the per-connection memory cap.
    s = raw_unix(tend, b"GET / HTTP/1.1\r\n" + b"X-A: " + b"a" * 70000)
    st = http_status(read_all(s))
    assert st in (None, 413, 431), st
    assert unix_proxy(tend).supervisor.getPID() == tend.pid


def test_half_a_request_is_cut_off(tend):
    tend.start(PROG)
    s = raw_unix(tend, b"POST /RPC2 HTTP/1.1\r\nHost: x\r\n"
                 b"Content-Length: 100\r\n\r\n<?xml", timeout=60)
    # Others are served meanwhile.
    assert unix_proxy(tend).supervisor.getPID() == tend.pid
    rc, out, err = tend.ctl("status")
    assert rc == 0, err
    # Returns once tendd closes it (after HTTP_TIMEOUT, 10 s without
    # progress); if tendd never did, recv raises socket.timeout at the
    # 60 s liveness bound and the test fails.
    read_all(s)


def test_300_idle_connections(tend):
    tend.start(PROG)
    tend.wait_state("web", "RUNNING")
    conns = []
    try:
        for i in range(300):
            # Half are silent (ctl.c's), half began an HTTP request.
            conns.append(raw_unix(tend, b"GET /" if i % 2 else b""))
        assert unix_proxy(tend).supervisor.getPID() == tend.pid
        rc, out, err = tend.ctl("status")
        assert rc == 0, err
        r = subprocess.run(["supervisorctl", "-s", f"unix://{tend.sock}",
                            "version"], capture_output=True, text=True,
                           timeout=30)
        assert r.returncode == 0, r
    finally:
        for c in conns:
            c.close()


# -- supervisor.* over the request API ---------------------------------

PROCS = """
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[program:web]
command=/bin/sh -c 'echo out-line; echo err-line >&2; exec {H}/sleeper >/dev/null'
startsecs=0
stopwaitsecs=5

[program:pool]
command={H}/sleeper
numprocs=2
process_name=%(program_name)s_%(process_num)d
startsecs=0

[program:idle]
command={H}/sleeper
autostart=false
startsecs=0

[program:dies]
command={H}/crasher 3
autostart=false
startsecs=1
startretries=0
"""

INFO_KEYS = {"name", "group", "description", "start", "stop", "now",
             "state", "statename", "spawnerr", "exitstatus", "logfile",
             "stdout_logfile", "stderr_logfile", "pid"}


def started(tend, body=PROCS, extra=""):
    tend.start(body, extra=extra)
    for n in ("web", "pool:pool_0", "pool:pool_1"):
        tend.wait_state(n, "RUNNING")
    return unix_proxy(tend)


def test_process_info(tend):
    s = started(tend)
    info = s.supervisor.getProcessInfo("web")
    assert set(info) == INFO_KEYS
    assert info["name"] == "web" and info["group"] == "web"
    assert info["statename"] == "RUNNING" and info["state"] == 20
    assert info["pid"] == tend.pid_of("web")
    assert info["description"].startswith(f"pid {info['pid']}, uptime ")
    assert info["start"] > 0 and abs(info["now"] - time.time()) < 60
    assert info["stdout_logfile"].endswith("web-stdout.log")
    assert info["logfile"] == info["stdout_logfile"]
    assert s.supervisor.getProcessInfo("web:web")["pid"] == info["pid"]
    p0 = s.supervisor.getProcessInfo("pool:pool_0")
    assert (p0["name"], p0["group"]) == ("pool_0", "pool")
    idle = s.supervisor.getProcessInfo("idle")
    assert idle["statename"] == "STOPPED" and idle["state"] == 0
    assert idle["pid"] == 0
    for bad in ("nosuch", "pool", "pool:*", "pool:nosuch"):
        assert fault_of(s.supervisor.getProcessInfo, bad) == \
            (10, f"BAD_NAME: {bad}")
    every = s.supervisor.getAllProcessInfo()
    # supervisord's order: by group, then by name.
    assert [(i["group"], i["name"]) for i in every] == [
        ("dies", "dies"), ("idle", "idle"), ("pool", "pool_0"),
        ("pool", "pool_1"), ("web", "web")]
    assert all(set(i) == INFO_KEYS for i in every)


def test_start_stop_one(tend):
    s = started(tend)
    assert s.supervisor.startProcess("idle") is True
    assert s.supervisor.getProcessInfo("idle")["statename"] == "RUNNING"
    assert fault_of(s.supervisor.startProcess, "idle") == \
        (60, "ALREADY_STARTED: idle")
    assert s.supervisor.stopProcess("idle") is True
    assert s.supervisor.getProcessInfo("idle")["statename"] == "STOPPED"
    assert fault_of(s.supervisor.stopProcess, "idle") == \
        (70, "NOT_RUNNING: idle")
    assert fault_of(s.supervisor.startProcess, "nosuch") == \
        (10, "BAD_NAME: nosuch")
    assert fault_of(s.supervisor.startProcess, "pool") == \
        (10, "BAD_NAME: pool")
    code, text = fault_of(s.supervisor.startProcess, "dies")
    assert code in (40, 50) and text.endswith(": dies"), (code, text)
    # wait=False: answered once spawned.
    assert s.supervisor.startProcess("idle", False) is True
    tend.wait_state("idle", "RUNNING")
    assert s.supervisor.stopProcess("idle", False) is True
    tend.wait_state("idle", "STOPPED")
    assert fault_of(s.supervisor.startProcess, "idle", "x") == \
        (2, "INCORRECT_PARAMETERS")


def test_start_stop_groups_and_all(tend):
    s = started(tend)
    r = s.supervisor.stopProcessGroup("pool")
    assert sorted((x["name"], x["group"], x["status"], x["description"])
                  for x in r) == [("pool_0", "pool", 80, "OK"),
                                  ("pool_1", "pool", 80, "OK")]
    # Stopped ones are left out, as supervisord's predicate does.
    assert s.supervisor.stopProcessGroup("pool") == []
    r = s.supervisor.startProcess("pool:*")
    assert sorted(x["name"] for x in r) == ["pool_0", "pool_1"]
    assert fault_of(s.supervisor.startProcessGroup, "nosuch") == \
        (10, "BAD_NAME: nosuch")
    r = s.supervisor.stopAllProcesses()
    assert {x["name"] for x in r} == {"web", "pool_0", "pool_1"}
    assert all(x["status"] == 80 for x in r)
    r = s.supervisor.startAllProcesses()
    names = {x["name"]: x for x in r}
    assert {"web", "pool_0", "pool_1", "idle", "dies"} <= set(names)
    assert names["web"]["status"] == 80
    assert names["dies"]["status"] in (40, 50)
    assert names["dies"]["description"].endswith("dies")


def test_signals(tend):
    s = started(tend)
    assert s.supervisor.signalProcess("web", "HUP") is True
    assert fault_of(s.supervisor.signalProcess, "web", "NOPE") == \
        (11, "BAD_SIGNAL: web")
    assert fault_of(s.supervisor.signalProcess, "idle", "HUP") == \
        (70, "NOT_RUNNING: idle")
    r = s.supervisor.signalProcessGroup("pool", "USR1")
    assert sorted(x["name"] for x in r) == ["pool_0", "pool_1"]
    r = s.supervisor.signalAllProcesses("CONT")
    assert {"web", "pool_0", "pool_1"} <= {x["name"] for x in r}


def test_logs(tend):
    s = started(tend, extra="logfile={T}/main.log")
    tend.wait_until(lambda: "out-line" in s.supervisor.readProcessStdoutLog(
        "web", 0, 0), what="web's output in its log")
    assert s.supervisor.readProcessStdoutLog("web", 0, 3) == "out"
    assert s.supervisor.readProcessStdoutLog("web", -5, 0) == "line\n"
    assert s.supervisor.readProcessLog("web", 4, 4) == "line"
    assert s.supervisor.readProcessStderrLog("web", 0, 0) == "err-line\n"
    assert fault_of(s.supervisor.readProcessStdoutLog, "web", -1, 2) == \
        (3, "BAD_ARGUMENTS")
    assert fault_of(s.supervisor.readProcessStdoutLog, "nosuch", 0, 0) == \
        (10, "BAD_NAME: nosuch")
    data, offset, overflow = s.supervisor.tailProcessStdoutLog("web", 0, 100)
    assert (data, offset, overflow) == ("out-line\n", 9, False)
    data, offset, overflow = s.supervisor.tailProcessStdoutLog("web", 0, 3)
    assert (data, offset, overflow) == ("ne\n", 9, True)
    assert s.supervisor.tailProcessStderrLog("web", 0, 100)[0] == \
        "err-line\n"
    assert s.supervisor.tailProcessLog("web", 0, 100)[1] == 9
    assert "started" in s.supervisor.readLog(0, 0)
    assert s.supervisor.readMainLog(-10, 0) == \
        s.supervisor.readLog(0, 0)[-10:]
    assert s.supervisor.clearProcessLogs("web") is True
    assert s.supervisor.readProcessStdoutLog("web", 0, 0) == ""
    assert s.supervisor.clearProcessLog("web") is True
    r = s.supervisor.clearAllProcessLogs()
    assert {"web", "pool_0"} <= {x["name"] for x in r}
    assert s.supervisor.clearLog() is True
    assert "started" not in s.supervisor.readLog(0, 0)
    assert fault_of(s.supervisor.clearProcessLogs, "nosuch") == \
        (10, "BAD_NAME: nosuch")


def test_readlog_without_a_logfile(tend):
    s = started(tend)
    code, text = fault_of(s.supervisor.readLog, 0, 0)
    assert code == 20, text


def test_config_methods(tend):
    s = started(tend)
    assert s.supervisor.reloadConfig() == [[[], [], []]]
    text = tend.conf.read_text()
    text = text.replace("numprocs=2", "numprocs=3").replace(
        "[program:idle]", "[program:idle2]") + \
        "\n[program:extra]\ncommand={}/sleeper\nstartsecs=0\n".format(
            tendlib.HELPERS)
    tend.conf.write_text(text)
    added, changed, removed = s.supervisor.reloadConfig()[0]
    assert sorted(added) == ["extra", "idle2"]
    assert changed == ["pool"]
    assert removed == ["idle"]
    assert s.supervisor.addProcessGroup("extra") is True
    tend.wait_state("extra", "RUNNING")
    assert fault_of(s.supervisor.addProcessGroup, "extra") == \
        (90, "ALREADY_ADDED: extra")
    assert fault_of(s.supervisor.addProcessGroup, "nosuch") == \
        (10, "BAD_NAME: nosuch")
    assert fault_of(s.supervisor.removeProcessGroup, "extra") == \
        (91, "STILL_RUNNING: extra")
    assert s.supervisor.stopProcess("extra") is True
    assert s.supervisor.removeProcessGroup("extra") is True
    assert fault_of(s.supervisor.getProcessInfo, "extra")[0] == 10
    tend.conf.write_text(text + "\n[program:bad]\nnosuchkey=1\n")
    code, text2 = fault_of(s.supervisor.reloadConfig)
    assert code == 92 and text2.startswith("CANT_REREAD: "), text2


def test_all_config_info(tend):
    s = started(tend)
    info = {(i["group"], i["name"]): i
            for i in s.supervisor.getAllConfigInfo()}
    web = info[("web", "web")]
    for k in ("autostart", "command", "directory", "exitcodes", "group",
              "group_prio", "inuse", "killasgroup", "name", "process_prio",
              "redirect_stderr", "startretries", "startsecs", "stopsignal",
              "stopwaitsecs", "stdout_logfile", "stderr_logfile",
              "stdout_logfile_maxbytes", "stdout_logfile_backups",
              "stdout_syslog", "stdout_events_enabled",
              "stdout_capture_maxbytes", "serverurl", "uid"):
        assert k in web, k
    assert web["autostart"] is True and web["inuse"] is True
    assert web["exitcodes"] == [0]
    assert web["stopsignal"] == 15 and web["stopwaitsecs"] == 5
    assert web["process_prio"] == 999 and web["startretries"] == 3
    assert info[("idle", "idle")]["autostart"] is False
    assert ("pool", "pool_1") in info


STDIN = """
[program:cat]
command=/bin/sh -c 'exec cat >{T}/cat.out'
startsecs=0

[program:nopipe]
command={H}/sleeper
startsecs=0
stdin_pipe=false

[program:closed]
command=/bin/sh -c 'exec 0<&-; exec {H}/sleeper'
startsecs=0
"""


def test_stdin_and_comm_events(tend):
    s = started(tend, PROCS + STDIN)
    for n in ("cat", "nopipe", "closed"):
        tend.wait_state(n, "RUNNING")
    # [rpcinterface:supervisor] gives every program a stdin pipe, as
    # supervisord does; a sleeper that never reads takes it all the same.
    assert s.supervisor.sendProcessStdin("web", "x") is True
    assert fault_of(s.supervisor.sendProcessStdin, "nopipe", "x") == \
        (20, "NO_FILE: nopipe")
    assert fault_of(s.supervisor.sendProcessStdin, "closed", "x") == \
        (20, "NO_FILE: closed")
    assert fault_of(s.supervisor.sendProcessStdin, "idle", "x") == \
        (70, "NOT_RUNNING: idle")
    assert fault_of(s.supervisor.sendProcessStdin, "nosuch", "x") == \
        (10, "BAD_NAME: nosuch")
    assert fault_of(s.supervisor.sendProcessStdin, "pool:*", "x") == \
        (10, "BAD_NAME: pool:*")
    assert fault_of(s.supervisor.sendProcessStdin, "cat", 5) == \
        (2, "INCORRECT_PARAMETERS")
    assert s.supervisor.sendRemoteCommEvent("type", "data") is True


def test_stdin_bytes_arrive_exactly(tend):
    """supervisord's sendProcessStdin: the bytes as sent (UTF-8 for
    non-ASCII), in order, also past what a pipe holds at once."""
    tend.start(PROG + STDIN)
    tend.wait_state("cat", "RUNNING")
    s = unix_proxy(tend)
    sent = ["line one\n", "caf\u00e9 \u2603\n", "no newline",
            "x" * 200000, "\tlast\n"]
    # (No "\r": XML's line-end normalization turns "\r\n" into "\n" in
    # any parser, supervisord's too.)
    for chunk in sent:
        assert s.supervisor.sendProcessStdin("cat:cat", chunk) is True
    want = "".join(sent).encode()
    out = tend.dir / "cat.out"
    tend.wait_until(lambda: out.exists() and out.stat().st_size >= len(want),
                    what="cat's output")
    assert out.read_bytes() == want


def test_multicall_waits_for_each(tend):
    s = started(tend)
    r = s.system.multicall([
        {"methodName": "supervisor.startProcess", "params": ["idle"]},
        {"methodName": "supervisor.getProcessInfo", "params": ["idle"]},
        {"methodName": "supervisor.stopProcess", "params": ["nosuch"]},
    ])
    assert r[0] is True
    assert r[1]["statename"] == "RUNNING"
    assert r[2] == {"faultCode": 10, "faultString": "BAD_NAME: nosuch"}


def test_shutdown_and_restart(tend):
    s = started(tend)
    assert s.supervisor.restart() is True
    tend.wait_state("web", "RUNNING")
    assert s.supervisor.getState()["statename"] == "RUNNING"
    assert s.supervisor.shutdown() is True
    tend.expect_dead = True
    assert tend.proc.wait(tendlib.live(15)) == 0


def test_reader_that_never_reads_a_log_tail(tend, helper):
    tend.start(PROCS + "\n[program:flood]\ncommand={H}/flooder\n"
               "startsecs=0\n")
    tend.wait_state("flood", "RUNNING")
    s = raw_unix(tend, b"GET /logtail/flood HTTP/1.1\r\nHost: x\r\n\r\n")
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    # Others are served; the flooder keeps running.
    for _ in range(3):
        assert unix_proxy(tend).supervisor.getPID() == tend.pid
        rc, out, err = tend.ctl("status", "flood")
        assert rc == 0 and "RUNNING" in out, (out, err)
        time.sleep(0.2)
    s.close()
