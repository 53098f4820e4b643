"""supervisord's events as tendd publishes them (evbus.c), seen by a real
listener written with supervisord's own supervisor.childutils, which
records every event it gets.  The same scenario runs against Debian's
real supervisord on the same config (parameter "supervisord"), so the
expected sequences below are supervisord's own: a start, a crash with a
restart, an exit expected and unexpected, a failed start to FATAL, a
stop, log events with their data, capture mode, sendRemoteCommEvent,
groups added and removed, ticks.  Needs Debian's `supervisor` package."""
import json
import re
import xmlrpc.client

import pytest

import tendlib

supervisor_xmlrpc = pytest.importorskip(
    "supervisor.xmlrpc", reason="Debian's supervisor package is needed")

RECORDER = r'''
import json, sys
from supervisor import childutils
out = open(sys.argv[1], "a")
while True:
    headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)
    out.write(json.dumps([headers["eventname"], payload]) + "\n")
    out.flush()
    childutils.listener.ok(sys.stdout)
'''

BODY = """
[eventlistener:rec]
command=/usr/bin/python3 {T}/rec.py {T}/events.jsonl
events=EVENT
buffer_size=1000
stderr_logfile={T}/rec.err

[program:ok]
command={H}/sleeper
startsecs=1
stopwaitsecs=5

[program:exit0]
command=/bin/sh -c "sleep 1.5; exit 0"
startsecs=1
autorestart=false

[program:exit3]
command=/bin/sh -c "sleep 1.5; exit 3"
startsecs=1
autorestart=false

[program:crash]
command=/bin/sh -c "if [ -e {T}/crashed ]; then exec {H}/sleeper; fi; touch {T}/crashed; sleep 1.5; exit 3"
startsecs=1
autorestart=unexpected
stopwaitsecs=5

[program:fail]
command={H}/crasher 1 0
startsecs=10
startretries=1

[program:talk]
command=/bin/sh -c "printf 'hello\\n'; sleep 1; printf '<!--XSUPERVISOR:BEGIN-->secret<!--XSUPERVISOR:END-->after\\n'; exec /bin/sleep 1000"
stdout_events_enabled=true
stdout_capture_maxbytes=1KB
stdout_logfile={T}/talk.out
startsecs=0
stopwaitsecs=5

[program:say]
command=/bin/sh -c "printf 'one\\n'; exec /bin/sleep 1000"
stdout_events_enabled=true
stdout_logfile={T}/say.out
startsecs=0
stopwaitsecs=5
"""

LATE = """
[program:late]
command={H}/sleeper
startsecs=0
stopwaitsecs=5
"""

P = "processname:{0} groupname:{0} "
EXPECTED = {
    "ok": [
        ["PROCESS_STATE_STARTING", P + "from_state:STOPPED tries:0"],
        ["PROCESS_STATE_RUNNING", P + "from_state:STARTING pid:N"],
        ["PROCESS_STATE_STOPPING", P + "from_state:RUNNING pid:N"],
        ["PROCESS_STATE_STOPPED", P + "from_state:STOPPING pid:N"],
    ],
    "exit0": [
        ["PROCESS_STATE_STARTING", P + "from_state:STOPPED tries:0"],
        ["PROCESS_STATE_RUNNING", P + "from_state:STARTING pid:N"],
        ["PROCESS_STATE_EXITED", P + "from_state:RUNNING expected:1 pid:N"],
    ],
    "exit3": [
        ["PROCESS_STATE_STARTING", P + "from_state:STOPPED tries:0"],
        ["PROCESS_STATE_RUNNING", P + "from_state:STARTING pid:N"],
        ["PROCESS_STATE_EXITED", P + "from_state:RUNNING expected:0 pid:N"],
    ],
    "crash": [
        ["PROCESS_STATE_STARTING", P + "from_state:STOPPED tries:0"],
        ["PROCESS_STATE_RUNNING", P + "from_state:STARTING pid:N"],
        ["PROCESS_STATE_EXITED", P + "from_state:RUNNING expected:0 pid:N"],
        ["PROCESS_STATE_STARTING", P + "from_state:EXITED tries:0"],
        ["PROCESS_STATE_RUNNING", P + "from_state:STARTING pid:N"],
    ],
    "fail": [
        ["PROCESS_STATE_STARTING", P + "from_state:STOPPED tries:0"],
        ["PROCESS_STATE_BACKOFF", P + "from_state:STARTING tries:1"],
        ["PROCESS_STATE_STARTING", P + "from_state:BACKOFF tries:1"],
        ["PROCESS_STATE_BACKOFF", P + "from_state:STARTING tries:2"],
        ["PROCESS_STATE_FATAL", P + "from_state:BACKOFF"],
    ],
    "talk": [
        ["PROCESS_STATE_STARTING", P + "from_state:STOPPED tries:0"],
        ["PROCESS_STATE_RUNNING", P + "from_state:STARTING pid:N"],
        # Capture mode holds "hello\n" (no longer than the token) until
        # more comes; captured text is a log event too; "after\n" stays
        # held (no longer than the token).
        ["PROCESS_LOG_STDOUT", P + "pid:N channel:stdout\nhello\n"],
        ["PROCESS_LOG_STDOUT", P + "pid:N channel:stdout\nsecret"],
        ["PROCESS_COMMUNICATION_STDOUT", P + "pid:N\nsecret"],
    ],
    "say": [
        ["PROCESS_STATE_STARTING", P + "from_state:STOPPED tries:0"],
        ["PROCESS_STATE_RUNNING", P + "from_state:STARTING pid:N"],
        ["PROCESS_LOG_STDOUT", P + "pid:N channel:stdout\none\n"],
    ],
    "late": [
        ["PROCESS_STATE_STARTING", P + "from_state:STOPPED tries:0"],
        ["PROCESS_STATE_RUNNING", P + "from_state:STARTING pid:N"],
        ["PROCESS_STATE_STOPPING", P + "from_state:RUNNING pid:N"],
        ["PROCESS_STATE_STOPPED", P + "from_state:STOPPING pid:N"],
    ],
}


def proxy(sock):
    t = supervisor_xmlrpc.SupervisorTransport(None, None, f"unix://{sock}")
    return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=t)


def events(path):
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def about(evs, name):
    """NAME's events, pids as N: what the expectations compare."""
    want = f"processname:{name} "
    return [[e, re.sub(r"pid:\d+", "pid:N", p)] for e, p in evs
            if p.startswith(want)]


@pytest.fixture(params=["tend", "supervisord"])
def daemon(request):
    """A Tend or a tendlib.Supervisord (same start()/write_config()/sock/
    dir), the recorder written in its directory."""
    d = request.getfixturevalue(request.param)
    (d.dir / "rec.py").write_text(RECORDER)
    return d


def test_event_sequences(daemon):
    daemon.start(BODY)
    rpc = proxy(daemon.sock)
    log = daemon.dir / "events.jsonl"

    def wait_for(pred, what):
        assert tendlib.poll(lambda: pred(events(log)), 30), \
            (f"no {what} within {tendlib.live(30)} s", events(log))

    def have(name, n):
        wait_for(lambda evs: len(about(evs, name)) >= n, f"{name} x{n}")

    for name in ("exit0", "exit3", "crash", "fail", "talk", "say"):
        have(name, len(EXPECTED[name]))
    have("ok", 2)
    rpc.supervisor.stopProcess("ok")
    have("ok", 4)
    assert rpc.supervisor.sendRemoteCommEvent("mytype", "my data") is True
    wait_for(lambda evs: ["REMOTE_COMMUNICATION", "type:mytype\nmy data"]
             in evs, "remote")

    # A group added and removed (what supervisorctl update does).
    daemon.write_config(BODY + LATE)
    rpc.supervisor.reloadConfig()
    assert rpc.supervisor.addProcessGroup("late") is True
    have("late", 2)
    daemon.write_config(BODY)
    rpc.supervisor.reloadConfig()
    rpc.supervisor.stopProcessGroup("late")
    assert rpc.supervisor.removeProcessGroup("late") is True
    wait_for(lambda evs: ["PROCESS_GROUP_REMOVED", "groupname:late\n"]
             in evs, "late removed")
    # A tick: when is a multiple of 5.
    wait_for(lambda evs: any(e == "TICK_5" for e, _ in evs), "TICK_5")

    evs = events(log)
    for name, want in EXPECTED.items():
        want = [[e, p.format(name)] for e, p in want]
        got = about(evs, name)
        # State changes and output are in order among themselves; how
        # they interleave depends on when the pipe is read.
        for state in (True, False):
            w = [x for x in want if x[0].startswith("PROCESS_STATE") == state]
            g = [x for x in got if x[0].startswith("PROCESS_STATE") == state]
            assert g[:len(w)] == w, (name, evs)
    names = [e for e, _ in evs]
    # The server's RUNNING comes before any process starts (the
    # listener's own STARTING included), each group is added once.
    assert names[0:1] != [] and "SUPERVISOR_STATE_CHANGE_RUNNING" in names
    first_state = min(i for i, e in enumerate(names)
                      if e.startswith("PROCESS_STATE_"))
    assert names.index("SUPERVISOR_STATE_CHANGE_RUNNING") < first_state
    added = [p for e, p in evs if e == "PROCESS_GROUP_ADDED"]
    for g in ("ok", "exit0", "exit3", "crash", "fail", "talk", "say",
              "late"):
        assert added.count(f"groupname:{g}\n") == 1, (g, added)
    ticks = [p for e, p in evs if e == "TICK_5"]
    assert all(int(p.split(":")[1]) % 5 == 0 for p in ticks), ticks
    # Pools see exactly what they subscribed to: EVENT is all of it.
    assert set(names) <= {
        "PROCESS_STATE_STARTING", "PROCESS_STATE_RUNNING",
        "PROCESS_STATE_BACKOFF", "PROCESS_STATE_STOPPING",
        "PROCESS_STATE_EXITED", "PROCESS_STATE_STOPPED",
        "PROCESS_STATE_FATAL", "PROCESS_LOG_STDOUT",
        "PROCESS_COMMUNICATION_STDOUT", "REMOTE_COMMUNICATION",
        "SUPERVISOR_STATE_CHANGE_RUNNING", "PROCESS_GROUP_ADDED",
        "PROCESS_GROUP_REMOVED", "TICK_5", "TICK_60", "TICK_3600"}, names
