"""An [eventlistener:x] across tendctl reexec (listener.c, handover_proc.c):
the listener process is kept with its stdin pipe and its protocol state,
and it goes on receiving events from the new tendd.  The buffered events
and the serials are not carried (tend.conf(5)); this only shows that
nothing about the listener itself is lost.  Needs Debian's `supervisor`
package (supervisor.childutils)."""
import json

import pytest

import tendlib

pytest.importorskip("supervisor.childutils",
                    reason="Debian's supervisor package is needed")

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
events=PROCESS_STATE
stopwaitsecs=5

[program:job]
command={H}/sleeper
startsecs=0
stopwaitsecs=5
"""


def events(path):
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_listener_kept_across_reexec(tend):
    (tend.dir / "rec.py").write_text(RECORDER)
    log = tend.dir / "events.jsonl"
    tend.start(BODY)
    tend.wait_state("rec", "RUNNING")
    tend.wait_state("job", "RUNNING")
    want = ["PROCESS_STATE_RUNNING", "processname:job groupname:job "
            f"from_state:STARTING pid:{tend.pid_of('job')}"]
    tend.wait_until(lambda: want in events(log), what="job RUNNING")
    rec_pid = tend.pid_of("rec")
    r = tend.ctl("reexec", timeout=60)
    assert "re-executed" in r.out, r.out
    assert tend.pid_of("rec") == rec_pid
    # The new tendd writes to the same listener, which answers it.
    tend.ctl("stop", "job")
    gone = ["PROCESS_STATE_STOPPED", "processname:job groupname:job "
            f"from_state:STOPPING pid:{want[1].rsplit(':', 1)[1]}"]
    tend.wait_until(lambda: gone in events(log), timeout=30,
                    what="the stop seen by the kept listener")
    tend.ctl("start", "job")
    tend.wait_until(
        lambda: sum(e[0] == "PROCESS_STATE_RUNNING" and "job" in e[1]
                    for e in events(log)) >= 2,
        timeout=30, what="the second RUNNING")
    assert tend.pid_of("rec") == rec_pid
    assert tend.state("rec") == "RUNNING"
    assert "UNKNOWN state" not in tend.log_text()
