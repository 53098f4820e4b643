"""supervisord's [eventlistener:x] protocol (issue 17), as a listener
written with supervisord's own supervisor.childutils sees it: the exact
events, headers (serial, pool, poolserial, len) and payloads; FAIL and a
listener dying mid-event rebuffering; buffer overflow; TICK_5; pools and
numprocs in the process list; a listener calling back over XML-RPC; a
misbehaving pool delaying nobody.  Each scenario runs against Debian's
real supervisord (parameter "supervisord": the expectations are its own
behaviour) and against tendd ("tend")."""
import json
import os
import re
import time
import xmlrpc.client

import pytest

import tendlib

supervisor_xmlrpc = pytest.importorskip(
    "supervisor.xmlrpc", reason="Debian's supervisor package is needed")

# One listener for every scenario: it notes its start (and its
# SUPERVISOR_* environment), every event with its headers, and what it
# did; its MODE words pick a behaviour:
#   ok                  answer OK to everything
#   fail                answer FAIL the first time each serial comes, OK next
#   die TEXT            exit(1) unanswered on the first event holding TEXT
#   badresult TEXT      answer "RESULT abc" to the first event holding TEXT
#   block TEXT FIFO     on the first event holding TEXT, read FIFO to EOF
#   stop NAME           on NAME's RUNNING, stopProcess(NAME) over XML-RPC
LISTENER = r'''
import json, os, sys, time
from supervisor import childutils
out = open(sys.argv[1], "a")
mode = sys.argv[2:] or ["ok"]

def note(**kw):
    kw["lpid"] = os.getpid()
    out.write(json.dumps(kw) + "\n")
    out.flush()

def once(tag):
    """True the first time TAG is asked, across restarts."""
    try:
        os.close(os.open(sys.argv[1] + "." + tag,
                         os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        return True
    except FileExistsError:
        return False

note(env={k: v for k, v in os.environ.items()
          if k.startswith("SUPERVISOR_")})
while True:
    h, p = childutils.listener.wait(sys.stdin, sys.stdout)
    note(h=h, p=p, t=time.time())
    if mode[0] == "fail" and once("fail" + h["serial"]):
        childutils.listener.fail(sys.stdout)
        continue
    if mode[0] == "die" and mode[1] in p and once("die"):
        os._exit(1)
    if mode[0] == "badresult" and mode[1] in p and once("bad"):
        sys.stdout.write("RESULT abc\n")
        sys.stdout.flush()
        continue
    if mode[0] == "block" and mode[1] in p and once("block"):
        with open(mode[2]) as f:
            f.read()
    if mode[0] == "stop" and h["eventname"] == "PROCESS_STATE_RUNNING" \
            and "processname:%s " % mode[1] in p:
        rpc = childutils.getRPCInterface(os.environ)
        note(rpc=rpc.supervisor.stopProcess(mode[1]))
    childutils.listener.ok(sys.stdout)
'''

SD_PARAMS = ["supervisord", "tend"]


@pytest.fixture(params=SD_PARAMS)
def daemon(request):
    """A Tend or a tendlib.Supervisord (same start()/sock/dir/log_text)."""
    d = request.getfixturevalue(request.param)
    (d.dir / "lsn.py").write_text(LISTENER)
    return d


def rpc(d, user=None, password=None):
    t = supervisor_xmlrpc.SupervisorTransport(user, password,
                                              f"unix://{d.sock}")
    return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=t)


def start_nowait(d, s, name):
    """s.startProcess(NAME, False).  supervisord reaps right after the
    spawn (its rpcinterface.startProcess): a process already gone with
    an unexpected exit code has set spawnerr ('Bad exit code N') and
    the answer is SPAWN_ERROR, though the start happened and its events
    are the same.  On a loaded machine the child can be over by then
    (seen once); tend answers true."""
    try:
        s.startProcess(name, False)
    except xmlrpc.client.Fault as e:
        if not (isinstance(d, tendlib.Supervisord) and e.faultCode == 50):
            raise


def notes(d, name="rec"):
    path = d.dir / f"{name}.jsonl"
    try:
        text = path.read_text()
    except FileNotFoundError:
        return []
    return [json.loads(x) for x in text.splitlines() if x.endswith("}")]


def got(d, name="rec"):
    """The events listener NAME received: [(headers, payload)]."""
    return [(n["h"], n["p"]) for n in notes(d, name) if "h" in n]


def norm(p):
    return re.sub(r"pid:\d+", "pid:N", p)


def seq(d, name="rec", proc=None):
    """[eventname, payload with pids as N], only PROC's if given."""
    return [[h["eventname"], norm(p)] for h, p in got(d, name)
            if proc is None or p.startswith(f"processname:{proc} ")]


def wait_for(d, pred, what, name="rec"):
    assert tendlib.poll(pred, 30), \
        (f"{d.name}: no {what} in {tendlib.live(30)} s; listener {name} "
         f"got {seq(d, name)}\n{d.log_tail()}")


def have(d, n, proc=None, name="rec"):
    wait_for(d, lambda: len(seq(d, name, proc)) >= n,
             f"{n} events about {proc or 'anything'}", name)


def check_headers(d, name="rec", pool=None):
    """Every envelope as supervisord writes it: ver 3.0, server the
    identifier, pool, len the payload's length, serials and pool serials
    each counting up from 0 in delivery order (one pool, no redelivery)."""
    ident = rpc(d).supervisor.getIdentification()
    evs = got(d, name)
    for i, (h, p) in enumerate(evs):
        assert h["ver"] == "3.0" and h["server"] == ident, h
        assert h["pool"] == (pool or name), h
        assert int(h["len"]) == len(p), (h, p)
        assert int(h["serial"]) == i and int(h["poolserial"]) == i, \
            (i, h, [x for x, _ in evs])


P = "processname:{0} groupname:{0} "

# stopwaitsecs=1 below: under load supervisord was seen to lose the
# SIGTERM of a stop sent just after a start (its forked child had not yet
# exec'd: a Python handler inherited from supervisord took it) and wait
# stopwaitsecs for the SIGKILL; the events are the same either way.


def states(name, *rows):
    return [[f"PROCESS_STATE_{s}", P.format(name) + rest] for s, rest in rows]


# --- PROCESS_STATE_* --------------------------------------------------------

STATES = """
[eventlistener:rec]
command=/usr/bin/python3 {T}/lsn.py {T}/rec.jsonl
events=PROCESS_STATE
startsecs=0
stderr_logfile={T}/rec.err

[program:svc]
command={H}/sleeper
autostart=false
startsecs=0
stopwaitsecs=1

[program:crash]
command=/bin/sh -c "if [ -e {T}/crashed ]; then exec {H}/sleeper; fi; touch {T}/crashed; exit 3"
autostart=false
startsecs=0
autorestart=unexpected
stopwaitsecs=1

[program:exit0]
command=/bin/sh -c "exit 0"
autostart=false
startsecs=0
autorestart=unexpected

[program:exit3]
command=/bin/sh -c "exit 3"
autostart=false
startsecs=0
autorestart=false

[program:exit2]
command=/bin/sh -c "exit 2"
exitcodes=0,2
autostart=false
startsecs=0
autorestart=false
"""


def test_state_events_exact(daemon):
    """Start, stop, a crash restarted: one after the other, so the whole
    sequence is exact, headers included; then exits expected and not."""
    d = daemon
    d.start(STATES)
    s = rpc(d).supervisor
    want = states("rec", ("STARTING", "from_state:STOPPED tries:0"),
                  ("RUNNING", "from_state:STARTING pid:N"))
    have(d, len(want))

    s.startProcess("svc", False)
    want += states("svc", ("STARTING", "from_state:STOPPED tries:0"),
                   ("RUNNING", "from_state:STARTING pid:N"))
    have(d, len(want))
    pid = s.getProcessInfo("svc")["pid"]
    assert got(d)[-1][1].endswith(f" pid:{pid}"), (pid, got(d)[-1])
    s.stopProcess("svc")
    want += states("svc", ("STOPPING", "from_state:RUNNING pid:N"),
                   ("STOPPED", "from_state:STOPPING pid:N"))
    have(d, len(want))
    assert got(d)[-1][1].endswith(f" pid:{pid}"), (pid, got(d)[-1])

    start_nowait(d, s, "crash")
    want += states("crash", ("STARTING", "from_state:STOPPED tries:0"),
                   ("RUNNING", "from_state:STARTING pid:N"),
                   ("EXITED", "from_state:RUNNING expected:0 pid:N"),
                   ("STARTING", "from_state:EXITED tries:0"),
                   ("RUNNING", "from_state:STARTING pid:N"))
    have(d, len(want))
    s.stopProcess("crash")
    want += states("crash", ("STOPPING", "from_state:RUNNING pid:N"),
                   ("STOPPED", "from_state:STOPPING pid:N"))
    have(d, len(want))

    assert seq(d) == want
    # Three exits at once: each one's sequence is exact.
    exits = (("exit0", 1), ("exit3", 0), ("exit2", 1))
    for name, _ in exits:
        start_nowait(d, s, name)
    have(d, len(want) + 9)
    for name, expected in exits:
        assert seq(d, proc=name) == states(
            name, ("STARTING", "from_state:STOPPED tries:0"),
            ("RUNNING", "from_state:STARTING pid:N"),
            ("EXITED", f"from_state:RUNNING expected:{expected} pid:N"))
        assert s.getProcessInfo(name)["statename"] == "EXITED"
    assert seq(d)[:len(want)] == want
    check_headers(d)


# --- PROCESS_LOG_* and PROCESS_COMMUNICATION_* -------------------------------

LOGS = """
[eventlistener:rec]
command=/usr/bin/python3 {T}/lsn.py {T}/rec.jsonl
events=PROCESS_LOG,PROCESS_COMMUNICATION
startsecs=0
stderr_logfile={T}/rec.err

[program:both]
command=/bin/sh -c "printf 'out-1\\\\n'; printf 'err-1\\\\n' >&2; exec sleep 1000"
stdout_events_enabled=true
stderr_events_enabled=true
startsecs=0
autostart=false
stopwaitsecs=1

[program:utf]
command=/bin/sh -c "printf 'h\\303\\251 \\342\\234\\223\\n'; printf '\\377\\376x\\n' >&2; exec sleep 1000"
stdout_events_enabled=true
stderr_events_enabled=true
startsecs=0
autostart=false
stopwaitsecs=1

[program:quiet]
command=/bin/sh -c "printf 'not-an-event\\\\n'; printf 'nor-this\\\\n' >&2; exec sleep 1000"
startsecs=0
autostart=false
stopwaitsecs=1

# childutils.pcomm.stdout() itself fails on Python 3 in 4.2 (it writes
# the bytes tokens to a text stream): its send() to the binary stream.
[program:comm]
command=/usr/bin/python3 -c "from supervisor import childutils; import os; import sys; childutils.pcomm.send(b'to-out', sys.stdout.buffer); childutils.pcomm.send(b'to-err', sys.stderr.buffer); os.execv('/bin/sleep', ['sleep', '1000'])"
stdout_capture_maxbytes=1KB
stderr_capture_maxbytes=1KB
startsecs=0
autostart=false
stopwaitsecs=1
"""


def test_log_and_communication_events(daemon):
    """stdout/stderr_events_enabled give PROCESS_LOG_*; capture mode
    (childutils.pcomm's tokens, *_capture_maxbytes) gives PROCESS_COMMUNICATION_*;
    a program with neither gives nothing."""
    d = daemon
    d.start(LOGS)
    s = rpc(d).supervisor
    wait_for(d, lambda: any("env" in n for n in notes(d)), "listener start")
    for name in ("quiet", "both", "comm", "utf"):
        s.startProcess(name, False)
    have(d, 2, "both")
    have(d, 2, "comm")
    have(d, 2, "utf")
    pids = {n: s.getProcessInfo(n)["pid"] for n in ("both", "comm", "utf")}

    def by(name, ch):
        return sorted(x for x in seq(d, proc=name) if ch in x[0])
    assert by("both", "STDOUT") == [
        ["PROCESS_LOG_STDOUT", P.format("both") + "pid:N channel:stdout\n"
         "out-1\n"]]
    assert by("both", "STDERR") == [
        ["PROCESS_LOG_STDERR", P.format("both") + "pid:N channel:stderr\n"
         "err-1\n"]]
    assert by("comm", "STDOUT") == [
        ["PROCESS_COMMUNICATION_STDOUT", P.format("comm") + "pid:N\nto-out"]]
    assert by("comm", "STDERR") == [
        ["PROCESS_COMMUNICATION_STDERR", P.format("comm") + "pid:N\nto-err"]]
    # len: is in characters (childutils reads that many from a text
    # stream); bytes that are not UTF-8 come as Python's repr.
    assert by("utf", "STDOUT") == [
        ["PROCESS_LOG_STDOUT", P.format("utf") + "pid:N channel:stdout\n"
         "h\u00e9 \u2713\n"]]
    assert by("utf", "STDERR") == [
        ["PROCESS_LOG_STDERR", P.format("utf") + "pid:N channel:stderr\n"
         "Undecodable: b'\\xff\\xfex\\n'"]]
    for h, p in got(d):
        assert int(h["len"]) == len(p), (h, p)
        name = p.split()[0].split(":")[1]
        assert f"pid:{pids[name]}" in p, (pids, p)
    # Nothing about quiet.
    assert seq(d, proc="quiet") == []
    assert len(got(d)) == 6, seq(d)


# --- a listener calling back over XML-RPC ------------------------------------

RPCSTOP = """
[eventlistener:rec]
command=/usr/bin/python3 {T}/lsn.py {T}/rec.jsonl stop victim
events=PROCESS_STATE
startsecs=0
stderr_logfile={T}/rec.err

[program:victim]
command={H}/sleeper
startsecs=0
stopwaitsecs=1
"""


def test_listener_stops_a_process_over_xmlrpc(daemon):
    """What memmon does: childutils.getRPCInterface(os.environ) reaches
    the daemon through SUPERVISOR_SERVER_URL, and stopProcess works from
    inside a listener that is busy with an event."""
    d = daemon
    d.start(RPCSTOP)
    want = states("victim", ("STARTING", "from_state:STOPPED tries:0"),
                  ("RUNNING", "from_state:STARTING pid:N"),
                  ("STOPPING", "from_state:RUNNING pid:N"),
                  ("STOPPED", "from_state:STOPPING pid:N"))
    have(d, 4, "victim")
    assert seq(d, proc="victim") == want
    assert [n["rpc"] for n in notes(d) if "rpc" in n] == [True]
    assert rpc(d).supervisor.getProcessInfo("victim")["statename"] == \
        "STOPPED"
    env = [n["env"] for n in notes(d) if "env" in n]
    assert env == [{"SUPERVISOR_ENABLED": "1",
                    "SUPERVISOR_PROCESS_NAME": "rec",
                    "SUPERVISOR_GROUP_NAME": "rec",
                    "SUPERVISOR_SERVER_URL": f"unix://{d.sock}"}], env


def test_listener_calls_back_with_credentials(daemon):
    """With username/password on the socket, the daemon adds no
    SUPERVISOR_USERNAME/PASSWORD (supervisord does not): a listener that
    calls back has them from its environment=, and childutils uses them."""
    d = daemon
    head = d.header().replace(f"file={d.sock}\n", f"file={d.sock}\n"
                              "username=lsn\npassword=s3cret\n")
    d.start(head + RPCSTOP.replace("stderr_logfile={T}/rec.err", """\
stderr_logfile={T}/rec.err
environment=SUPERVISOR_USERNAME="lsn",SUPERVISOR_PASSWORD="s3cret"
"""), header=False)
    have(d, 4, "victim")
    assert [n["rpc"] for n in notes(d) if "rpc" in n] == [True]
    env = [n["env"] for n in notes(d) if "env" in n]
    assert env == [{"SUPERVISOR_ENABLED": "1",
                    "SUPERVISOR_PROCESS_NAME": "rec",
                    "SUPERVISOR_GROUP_NAME": "rec",
                    "SUPERVISOR_SERVER_URL": f"unix://{d.sock}",
                    "SUPERVISOR_USERNAME": "lsn",
                    "SUPERVISOR_PASSWORD": "s3cret"}], env
    with pytest.raises(xmlrpc.client.ProtocolError) as e:
        rpc(d).supervisor.getState()
    assert e.value.errcode == 401
    assert rpc(d, "lsn", "s3cret").supervisor.getProcessInfo("victim")[
        "statename"] == "STOPPED"


# --- FAIL, and a listener dying mid-event: the event comes back ----------

FAIL = """
[eventlistener:rec]
command=/usr/bin/python3 {T}/lsn.py {T}/rec.jsonl fail
events=PROCESS_STATE
startsecs=0
stderr_logfile={T}/rec.err

[program:p]
command={H}/sleeper
autostart=false
startsecs=0
stopwaitsecs=1
"""


def test_fail_rebuffers_the_event(daemon):
    """RESULT 4\\nFAIL: the same event (serial and pool serial) is the
    next one the listener gets; nothing is skipped."""
    d = daemon
    d.start(FAIL)
    have(d, 4)  # its own STARTING and RUNNING, each twice
    rpc(d).supervisor.startProcess("p", False)
    have(d, 8)
    evs = got(d)
    assert [h for h, _ in evs[0::2]] == [h for h, _ in evs[1::2]], evs
    assert [p for _, p in evs[0::2]] == [p for _, p in evs[1::2]], evs
    assert [int(h["poolserial"]) for h, _ in evs[0::2]] == [0, 1, 2, 3]
    assert [int(h["serial"]) for h, _ in evs[0::2]] == [0, 1, 2, 3]
    assert seq(d)[0::2] == states(
        "rec", ("STARTING", "from_state:STOPPED tries:0"),
        ("RUNNING", "from_state:STARTING pid:N")) + states(
        "p", ("STARTING", "from_state:STOPPED tries:0"),
        ("RUNNING", "from_state:STARTING pid:N"))
    if d.name == "supervisord":
        assert d.log_text().count("WARN rec: event was rejected") >= 4
    else:
        rejected = [x for x in d.log_text().splitlines()
                    if "rec" in x and "reject" in x]
        assert len(rejected) >= 4, d.log_tail()


DIE = """
[eventlistener:rec]
command=/usr/bin/python3 {T}/lsn.py {T}/rec.jsonl die processname:p
events=PROCESS_STATE
startsecs=0
autorestart=true
stderr_logfile={T}/rec.err

[program:p]
command={H}/sleeper
autostart=false
startsecs=0
stopwaitsecs=1
"""


def test_listener_dying_mid_event_gets_it_again(daemon):
    """The listener exits without answering p's STARTING: restarted, it
    gets that same event first, then the rest in order; nothing is lost."""
    d = daemon
    d.start(DIE)
    have(d, 2)
    first = notes(d)[0]["lpid"]
    rpc(d).supervisor.startProcess("p", False)
    wait_for(d, lambda: any(n["lpid"] != first for n in notes(d)
                            if "h" in n), "an event to the restarted one")
    have(d, 5, "rec")  # its EXITED, STARTING, RUNNING after the first two
    have(d, 3, "p")  # STARTING twice (once to each), RUNNING
    evs = [n for n in notes(d) if "h" in n]
    old = [n for n in evs if n["lpid"] == first]
    new = [n for n in evs if n["lpid"] != first]
    assert [n["h"]["eventname"] for n in old][-1] == "PROCESS_STATE_STARTING"
    assert old[-1]["p"].startswith(P.format("p")), old
    assert (new[0]["h"], new[0]["p"]) == (old[-1]["h"], old[-1]["p"])
    assert seq(d, proc="rec") == states(
        "rec", ("STARTING", "from_state:STOPPED tries:0"),
        ("RUNNING", "from_state:STARTING pid:N"),
        ("EXITED", "from_state:RUNNING expected:0 pid:N"),
        ("STARTING", "from_state:EXITED tries:0"),
        ("RUNNING", "from_state:STARTING pid:N"))
    # Every serial once (but the redelivered one), in pool serial order.
    serials = [int(n["h"]["serial"]) for n in old + new[1:]]
    assert serials == list(range(len(serials))), serials
    assert [int(n["h"]["poolserial"]) for n in old + new[1:]] == serials
    assert seq(d, proc="p") == states(
        "p", ("STARTING", "from_state:STOPPED tries:0"),
        ("STARTING", "from_state:STOPPED tries:0"),
        ("RUNNING", "from_state:STARTING pid:N"))


BADRESULT = """
[eventlistener:pool]
command=/usr/bin/python3 {T}/lsn.py {T}/pool.jsonl badresult processname:victim
process_name=%(program_name)s_%(process_num)02d
numprocs=2
events=PROCESS_STATE
startsecs=0
stderr_logfile={T}/%(program_name)s_%(process_num)02d.err

[program:victim]
command={H}/sleeper
autostart=false
startsecs=0
stopwaitsecs=1
"""


def test_bad_result_line_hands_the_event_to_another_listener(daemon):
    """"RESULT abc": that listener is UNKNOWN (logged; it gets nothing
    more, and keeps running) and its event goes to the other of the pool."""
    d = daemon
    d.start(BADRESULT)
    s = rpc(d).supervisor
    wait_for(d, lambda: len({n["lpid"] for n in notes(d, "pool")}) == 2,
             "both listeners", "pool")
    have(d, 4, None, "pool")
    s.startProcess("victim", False)
    have(d, 3, "victim", "pool")  # STARTING twice, RUNNING
    s.stopProcess("victim")
    have(d, 5, "victim", "pool")
    evs = [n for n in notes(d, "pool") if "h" in n and
           n["p"].startswith("processname:victim ")]
    # The other may be busy with the next event when the first comes
    # back: the order among the two is the scheduler's.
    bad, rest = evs[0]["lpid"], evs[1:]
    assert {n["lpid"] for n in rest} - {bad} == {rest[0]["lpid"]}, evs
    assert all(n["lpid"] != bad for n in rest), evs
    again = [n for n in rest if n["h"] == evs[0]["h"]]
    assert [n["p"] for n in again] == [evs[0]["p"]], evs
    rest.sort(key=lambda n: int(n["h"]["serial"]))
    assert [[n["h"]["eventname"], norm(n["p"])] for n in rest] == states(
        "victim", ("STARTING", "from_state:STOPPED tries:0"),
        ("RUNNING", "from_state:STARTING pid:N"),
        ("STOPPING", "from_state:RUNNING pid:N"),
        ("STOPPED", "from_state:STOPPING pid:N"))
    name = [i["name"] for i in s.getAllProcessInfo()
            if i["pid"] == bad and i["statename"] == "RUNNING"]
    assert len(name) == 1, s.getAllProcessInfo()
    if d.name == "supervisord":
        assert f"WARN {name[0]}: bad result line: 'RESULT abc'" in \
            d.log_text()
    else:
        assert [x for x in d.log_text().splitlines()
                if name[0] in x and "RESULT abc" in x], d.log_tail()


# --- buffer overflow ---------------------------------------------------------

OVERFLOW = """
[eventlistener:rec]
command=/usr/bin/python3 {T}/lsn.py {T}/rec.jsonl block processname:p1 {T}/go
events=PROCESS_STATE
buffer_size=2
startsecs=0
stderr_logfile={T}/rec.err

[program:p1]
command={H}/sleeper
autostart=false
startsecs=0
stopwaitsecs=1

[program:p2]
command={H}/sleeper
autostart=false
startsecs=0
stopwaitsecs=1
"""


def release(path):
    """Open the FIFO the listener blocks on (once it reads it) and close
    it: the listener reads EOF and goes on."""
    def opened():
        try:
            return os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:
            return None  # ENXIO: the listener has not opened it yet
    fd = tendlib.poll(opened, 30)
    assert fd is not None, f"nobody reads {path}"
    os.close(fd)


def test_buffer_overflow_drops_the_oldest(daemon):
    """buffer_size=2 and a listener busy with p1's STARTING: of the five
    events that follow, the three oldest are dropped, each logged naming
    the pool and the event; the listener then gets the two newest."""
    d = daemon
    os.mkfifo(d.dir / "go")
    d.start(OVERFLOW)
    s = rpc(d).supervisor
    have(d, 2)
    s.startProcess("p1")  # STARTING 2 (to the listener), RUNNING 3
    have(d, 1, "p1")
    s.stopProcess("p1")  # STOPPING 4, STOPPED 5: 3 dropped
    s.startProcess("p2")  # STARTING 6, RUNNING 7: 4 and 5 dropped
    assert s.getProcessInfo("p2")["statename"] == "RUNNING"

    def dropped():
        if d.name == "supervisord":
            return re.findall(r"ERRO pool rec event buffer overflowed, "
                              r"discarding event (\d+)\n", d.log_text())
        return [x for x in d.log_text().splitlines()
                if "rec" in x and ("overflow" in x or "discard" in x)]
    wait_for(d, lambda: len(dropped()) >= 3, "3 overflows logged")
    if d.name == "supervisord":
        assert dropped() == ["3", "4", "5"]
    else:
        # As informative as supervisord's: the pool and what was dropped.
        assert all(re.search(rf"\b{n}\b", x)
                   for n, x in zip((3, 4, 5), dropped())), dropped()
    release(d.dir / "go")
    have(d, 5)
    assert seq(d) == states(
        "rec", ("STARTING", "from_state:STOPPED tries:0"),
        ("RUNNING", "from_state:STARTING pid:N")) + states(
        "p1", ("STARTING", "from_state:STOPPED tries:0")) + states(
        "p2", ("STARTING", "from_state:STOPPED tries:0"),
        ("RUNNING", "from_state:STARTING pid:N"))
    assert [(h["serial"], h["poolserial"]) for h, _ in got(d)] == \
        [(n, n) for n in ("0", "1", "2", "6", "7")]


# --- TICK_5 ------------------------------------------------------------------

TICK = """
[eventlistener:rec]
command=/usr/bin/python3 {T}/lsn.py {T}/rec.jsonl
events=TICK_5
startsecs=0
stderr_logfile={T}/rec.err
"""


def test_tick_5_aligned(daemon):
    """The first TICK_5 is for the first multiple of 5 s after start-up
    (the start-up slice never ticks), sent once that time has come, and
    "when" is that multiple, not the time it was sent."""
    d = daemon
    t0 = time.time()
    d.start(TICK)
    have(d, 1)
    n = [n for n in notes(d) if "h" in n][0]
    assert n["h"]["eventname"] == "TICK_5", n
    assert (n["h"]["serial"], n["h"]["poolserial"]) == ("0", "0"), n
    when = int(re.fullmatch(r"when:(\d+)", n["p"]).group(1))
    assert when % 5 == 0 and t0 < when <= n["t"], (t0, when, n)


# --- misbehaving listeners delay nobody --------------------------------------

MISBEHAVE = """
[eventlistener:garbage]
command=/bin/sh -c "echo not-ready-at-all; exec sleep 1000"
events=PROCESS_STATE
startsecs=0
stopwaitsecs=1

[eventlistener:flood]
command=/bin/sh -c "head -c 4000000 /dev/zero; exec sleep 1000"
events=PROCESS_STATE
startsecs=0
stdout_logfile=NONE
stopwaitsecs=1

[eventlistener:mute]
command=/bin/sh -c "echo READY; exec sleep 1000"
events=PROCESS_STATE
startsecs=0
stopwaitsecs=1

[eventlistener:deaf]
command=/bin/sh -c "echo READY; exec sleep 1000"
events=REMOTE_COMMUNICATION
startsecs=0
stopwaitsecs=1

[eventlistener:quitter]
command=/bin/sh -c "exit 1"
events=PROCESS_STATE
startsecs=10
startretries=0

[eventlistener:rec]
command=/usr/bin/python3 {T}/lsn.py {T}/rec.jsonl
events=PROCESS_STATE,REMOTE_COMMUNICATION
startsecs=0
buffer_size=100
stderr_logfile={T}/rec.err

[program:p]
command={H}/sleeper
autostart=false
startsecs=0
stopwaitsecs=1
"""


def test_misbehaving_listeners_delay_nobody(daemon):
    """Garbage instead of READY, 4 MB of flood, READY and then never an
    answer, READY and never reading its 200 KB event, an exit at once:
    rec's events all come, the process list answers, the first four stay
    as they are (supervisord leaves such a listener running, ignoring
    what it writes) and the quitter ends FATAL."""
    d = daemon
    d.start(MISBEHAVE)
    s = rpc(d).supervisor
    bad = ("garbage", "flood", "mute", "deaf")
    have(d, 2, "rec")
    pids = {n: s.getProcessInfo(n)["pid"] for n in bad}
    s.startProcess("p", False)
    have(d, 2, "p")
    s.stopProcess("p")
    have(d, 4, "p")
    assert seq(d, proc="p") == states(
        "p", ("STARTING", "from_state:STOPPED tries:0"),
        ("RUNNING", "from_state:STARTING pid:N"),
        ("STOPPING", "from_state:RUNNING pid:N"),
        ("STOPPED", "from_state:STOPPING pid:N"))
    for n in bad:
        assert seq(d, proc=n)[:2] == states(
            n, ("STARTING", "from_state:STOPPED tries:0"),
            ("RUNNING", "from_state:STARTING pid:N")), seq(d)
    # 200 KB to deaf fill its pipe (64 KiB): the daemon goes on all the
    # same.  (Not more: tendd refuses an HTTP body over 256 KiB.)
    big = "x" * 200000
    assert s.sendRemoteCommEvent("big", big) is True
    wait_for(d, lambda: ["REMOTE_COMMUNICATION", "type:big\n" + big]
             in seq(d), "the big event")
    have(d, 3, "quitter")
    assert seq(d, proc="quitter") == states(
        "quitter", ("STARTING", "from_state:STOPPED tries:0"),
        ("BACKOFF", "from_state:STARTING tries:1"),
        ("FATAL", "from_state:BACKOFF"))
    info = {i["name"]: i for i in s.getAllProcessInfo()}
    assert {n: (info[n]["statename"], info[n]["pid"]) for n in bad} == \
        {n: ("RUNNING", pids[n]) for n in bad}
    if d.name == "tend":
        r = d.ctl("status", check=tendlib.EXIT_NOTRUNNING)
        st = tendlib.parse_status_text(r.out)
        assert [st[n][0] for n in bad + ("rec", "p", "quitter")] == \
            ["RUNNING"] * 5 + ["STOPPED", "FATAL"], r.out
    check_headers(d)


# --- pools in the process list -----------------------------------------------

POOL = """
[eventlistener:pool]
command=/usr/bin/python3 {T}/lsn.py {T}/pool.jsonl
process_name=%(program_name)s_%(process_num)02d
numprocs=2
events=PROCESS_STATE
startsecs=0
stderr_logfile={T}/%(program_name)s_%(process_num)02d.err

[program:p]
command={H}/sleeper
autostart=false
startsecs=0
stopwaitsecs=1
"""


def test_pool_of_two_in_status_and_each_event_once(daemon):
    """numprocs=2 listeners are pool:pool_00 and pool:pool_01 in
    getAllProcessInfo and supervisorctl status (tendctl status too); an
    event goes to one of them, never both, and none is missed."""
    d = daemon
    d.start(POOL)
    s = rpc(d).supervisor
    wait_for(d, lambda: len({n["lpid"] for n in notes(d, "pool")}) == 2,
             "both listeners", "pool")
    s.startProcess("p", False)
    have(d, 2, "p", "pool")
    s.stopProcess("p")
    have(d, 4 + 4, None, "pool")  # p's four, the listeners' two each
    info = [(i["group"], i["name"], i["statename"])
            for i in s.getAllProcessInfo()]
    assert info == [("p", "p", "STOPPED"), ("pool", "pool_00", "RUNNING"),
                    ("pool", "pool_01", "RUNNING")], info
    for n in ("pool_00", "pool_01"):
        i = s.getProcessInfo(f"pool:{n}")
        assert re.fullmatch(r"pid \d+, uptime 0:00:\d\d", i["description"])
        assert i["pid"] in {x["lpid"] for x in notes(d, "pool")}, i
    r = tendlib.run([tendlib.SUPERVISORCTL, "-s", f"unix://{d.sock}",
                     "status"])
    assert [x.split()[:2] for x in r.out.splitlines()] == [
        ["p", "STOPPED"], ["pool:pool_00", "RUNNING"],
        ["pool:pool_01", "RUNNING"]], r
    if d.name == "tend":
        r = d.ctl("status")
        assert [x.split()[:2] for x in r.out.splitlines()] == [
            ["p", "STOPPED"], ["pool:pool_00", "RUNNING"],
            ["pool:pool_01", "RUNNING"]], r
    evs = got(d, "pool")
    assert all(h["pool"] == "pool" for h, _ in evs), evs
    assert sorted(int(h["serial"]) for h, _ in evs) == list(range(8)), evs
    assert sorted(int(h["poolserial"]) for h, _ in evs) == list(range(8))
    # Two listeners write as they go: their notes are in serial order
    # only once sorted.
    evs.sort(key=lambda e: int(e[0]["serial"]))
    assert [[h["eventname"], norm(p)] for h, p in evs
            if p.startswith("processname:p ")] == states(
        "p", ("STARTING", "from_state:STOPPED tries:0"),
        ("RUNNING", "from_state:STARTING pid:N"),
        ("STOPPING", "from_state:RUNNING pid:N"),
        ("STOPPED", "from_state:STOPPING pid:N"))


# --- Done means: a supervisord.conf with crashmail and memmon, unchanged --------

# What superlance's crashmail does: PROCESS_STATE_EXITED, and a mail (here
# a line) for each unexpected one.
CRASHMAIL = r'''
import sys
from supervisor import childutils
out = open(sys.argv[1], "a")
while True:
    headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)
    if headers["eventname"] == "PROCESS_STATE_EXITED":
        pheaders, pdata = childutils.eventdata(payload + "\n")
        if not int(pheaders["expected"]):
            out.write("Process %(processname)s in group %(groupname)s exited "
                      "unexpectedly (pid %(pid)s) from state %(from_state)s\n"
                      % pheaders)
            out.flush()
    childutils.listener.ok(sys.stdout)
'''

# What superlance's memmon does on its TICK: look at every process over
# XML-RPC and restart the one it is after (here: NAME, once).
MEMMON = r'''
import os, sys, json
from supervisor import childutils
out = open(sys.argv[1], "a")
rpc = childutils.getRPCInterface(os.environ)
done = False
while True:
    headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)
    if headers["eventname"].startswith("TICK") and not done:
        for info in rpc.supervisor.getAllProcessInfo():
            if info["name"] == sys.argv[2] and info["statename"] == "RUNNING":
                name = "%s:%s" % (info["group"], info["name"])
                stopped = rpc.supervisor.stopProcess(name)
                started = rpc.supervisor.startProcess(name)
                new = rpc.supervisor.getProcessInfo(name)
                out.write(json.dumps([headers["eventname"], name,
                                      info["pid"], stopped, started,
                                      new["statename"], new["pid"]]) + "\n")
                out.flush()
                done = True
    childutils.listener.ok(sys.stdout)
'''

DONE = """
[unix_http_server]
file={sock}

[supervisord]
logfile={T}/main.log
pidfile={T}/main.pid
childlogdir={T}
nodaemon=true

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://{sock}

[eventlistener:crashmail]
command=/usr/bin/python3 {T}/crashmail.py {T}/crashmail.out
events=PROCESS_STATE_EXITED

[eventlistener:memmon]
command=/usr/bin/python3 {T}/memmon.py {T}/memmon.out hog
events=TICK_5

[program:crashy]
command=/bin/sh -c "n=$(cat {T}/n 2>/dev/null || echo 0); echo $((n+1)) > {T}/n; [ $n -ge 2 ] && exec sleep 1000; exit 3"
startsecs=0
autorestart=unexpected
stopwaitsecs=1

[program:fine]
command=/bin/sh -c "exit 0"
startsecs=0
autorestart=unexpected

[program:hog]
command={H}/sleeper
stopwaitsecs=1
"""


def test_done_means_crashmail_and_memmon(daemon):
    """Issue 17's "done means": one supervisord.conf, unchanged (the
    daemon's socket path aside), with a crashmail and a memmon listener;
    each gets what supervisord gives it."""
    d = daemon
    (d.dir / "crashmail.py").write_text(CRASHMAIL)
    (d.dir / "memmon.py").write_text(MEMMON)
    d.start(DONE.replace("{sock}", str(d.sock)), header=False)
    s = rpc(d).supervisor

    def lines(name):
        try:
            return (d.dir / name).read_text().splitlines()
        except FileNotFoundError:
            return []
    wait_for(d, lambda: len(lines("crashmail.out")) >= 2, "2 crash mails")
    wait_for(d, lambda: lines("memmon.out"), "memmon's restart")
    assert [norm(x.replace("(pid ", "(pid:")) for x in
            lines("crashmail.out")] == [
        "Process crashy in group crashy exited unexpectedly (pid:N) from "
        "state RUNNING"] * 2
    ev, name, old, stopped, started, state, new = \
        json.loads(lines("memmon.out")[0])
    assert (ev, name, stopped, started, state) == \
        ("TICK_5", "hog:hog", True, True, "RUNNING")
    assert new != old and s.getProcessInfo("hog")["pid"] == new
    assert s.getProcessInfo("crashy")["statename"] == "RUNNING"
    assert s.getProcessInfo("fine")["statename"] == "EXITED"
    assert len(lines("crashmail.out")) == 2


# --- a pool added and removed at run time (supervisorctl update) ---------------

UPDATE_BASE = """
[program:p]
command={H}/sleeper
autostart=false
startsecs=0
stopwaitsecs=1
"""

UPDATE_POOL = """
[eventlistener:rec]
command=/usr/bin/python3 {T}/lsn.py {T}/rec.jsonl
events=PROCESS_STATE,PROCESS_GROUP
startsecs=0
stopwaitsecs=1
stderr_logfile={T}/rec.err
"""


def test_pool_added_and_removed_by_update(daemon):
    """reloadConfig + addProcessGroup (what supervisorctl update does)
    brings a pool in: it hears of its own group first, then its own
    start, then the rest; removed, it is gone from the process list."""
    d = daemon
    d.start(UPDATE_BASE)
    s = rpc(d).supervisor
    d.write_config(UPDATE_BASE + UPDATE_POOL)
    assert s.reloadConfig() == [[["rec"], [], []]]
    assert s.addProcessGroup("rec") is True
    have(d, 3)
    s.startProcess("p", False)
    have(d, 5)
    assert seq(d) == [["PROCESS_GROUP_ADDED", "groupname:rec\n"]] + states(
        "rec", ("STARTING", "from_state:STOPPED tries:0"),
        ("RUNNING", "from_state:STARTING pid:N")) + states(
        "p", ("STARTING", "from_state:STOPPED tries:0"),
        ("RUNNING", "from_state:STARTING pid:N"))
    check_headers(d)
    d.write_config(UPDATE_BASE)
    assert s.reloadConfig() == [[[], [], ["rec"]]]
    s.stopProcessGroup("rec")
    assert s.removeProcessGroup("rec") is True
    assert [i["name"] for i in s.getAllProcessInfo()] == ["p"]
    assert len(got(d)) == 5, seq(d)
