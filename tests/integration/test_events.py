"""tendctl events (a numbered stream of state changes, resumable with
--since, overflow reported), start/stop -t, and the exit facts that status
and status --json show for the last exit (tendctl(1), JSON OUTPUT)."""

import json
import os
import select
import signal
import subprocess
import time

import tendlib
from tendlib import EXIT_FAIL, EXIT_NOCONN, EXIT_OK, EXIT_USAGE, TENDCTL

ONE = """
[program:web]
command={H}/sleeper
startsecs=0
stopwaitsecs=1
autostart=false
"""

# The history ring in events.c (EVENTS_RING), as tendctl(1) documents it.
HISTORY = 512

EVENT_KEYS = {"seq", "time", "name", "group", "fullname", "from", "state",
              "pid", "description", "exit", "health", "pool"}


def events(tend, *args, check=EXIT_OK):
    r = tend.ctl("events", "--no-follow", *args, json=True, check=check)
    out = [json.loads(line) for line in r.out.splitlines()]
    return out, r


def read_lines(p, n, timeout=tendlib.LIVENESS):
    """N JSON lines from P's stdout, read without buffering ahead."""
    buf = b""
    deadline = time.monotonic() + timeout
    while buf.count(b"\n") < n and time.monotonic() < deadline:
        ready, _, _ = select.select([p.stdout], [], [], 0.2)
        if ready:
            chunk = os.read(p.stdout.fileno(), 4096)
            if not chunk:
                break
            buf += chunk
    return [json.loads(x) for x in buf.splitlines()]


def test_events_history_schema_and_order(tend):
    tend.start(ONE)
    tend.ctl("start", "web", check=EXIT_OK)
    tend.ctl("stop", "web", check=EXIT_OK)
    evs, _ = events(tend, "--since", "0")
    assert [(e["from"], e["state"]) for e in evs] == [
        ("STOPPED", "STARTING"), ("STARTING", "RUNNING"),
        ("RUNNING", "STOPPING"), ("STOPPING", "STOPPED")], evs
    assert [e["seq"] for e in evs] == [1, 2, 3, 4]
    for e in evs:
        assert set(e) == EVENT_KEYS, e
        assert e["name"] == e["fullname"] == e["group"] == "web"
        assert isinstance(e["time"], float) and e["time"] > 1e9
    assert evs[1]["pid"] > 0 and evs[1]["description"].startswith("pid ")
    # The stop ended a run: its exit facts ride on the event.
    assert evs[3]["exit"] == {"code": 0, "signal": signal.SIGTERM,
                              "core": False}, evs[3]
    # --since N: only what came after N.
    later, _ = events(tend, "--since", "2")
    assert [e["seq"] for e in later] == [3, 4]
    # Text form: "SEQ DATE TIME NAME FROM -> STATE DESCRIPTION".
    r = tend.ctl("events", "--since", "3", "--no-follow", check=EXIT_OK)
    lines = r.out.splitlines()
    assert len(lines) == 1, r.out
    f = lines[0].split()
    assert f[0] == "4" and f[3:7] == ["web", "STOPPING", "->", "STOPPED"], f


def test_events_stream_live_and_resume(tend):
    tend.start(ONE, extra="loglevel=debug")
    argv = [str(TENDCTL), "-c", str(tend.conf), "--json", "events"]
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        # Subscribed before the start: every change arrives as it happens.
        tend.wait_request(p.pid, "REQ_EVENTS")
        tend.ctl("start", "web", check=EXIT_OK)
        got = read_lines(p, 2)
        assert [(e["from"], e["state"]) for e in got] == [
            ("STOPPED", "STARTING"), ("STARTING", "RUNNING")], got
    finally:
        p.kill()
        p.communicate()
    # A client that disconnected resumes where it left off.
    last = got[-1]["seq"]
    tend.ctl("stop", "web", check=EXIT_OK)
    missed, _ = events(tend, "--since", str(last))
    assert [e["state"] for e in missed] == ["STOPPING", "STOPPED"]
    assert missed[0]["seq"] == last + 1


def test_events_keep_long_names_whole(tend):
    """Names have no length limit; events carried them cut at 64 (name,
    group) and 128 (fullname) bytes."""
    prog, group = "p" * 150, "g" * 90
    tend.start(f"""
        [group:{group}]
        programs={prog}

        [program:{prog}]
        command={{H}}/sleeper
        startsecs=0
        stopwaitsecs=1
    """)
    full = f"{group}:{prog}"
    tend.wait_state(full, "RUNNING")
    evs, _ = events(tend, "--since", "0")
    mine = [e for e in evs if e.get("name") == prog]
    assert mine, evs
    for e in mine:
        assert e["fullname"] == full and e["group"] == group, e


def test_events_overflow_is_reported(tend):
    """More changes than the history holds: a resume from 0 is told how
    many it lost (stderr, a {"lost"} line, exit 1), never silently."""
    tend.start("""
        [program:pool]
        command={H}/sleeper
        process_name=pool_%(process_num)02d
        numprocs=100
        startsecs=0
        stopwaitsecs=1
    """)
    tend.wait_until(lambda: all(r["state"] == "RUNNING" for r in
                                tend.status_json().values()), timeout=30,
                    what="the pool RUNNING")
    # 100 x (STOPPED->STARTING->RUNNING), then 3 x 100 x 4 changes.
    for _ in range(3):
        tend.ctl("restart", "pool:*", check=EXIT_OK, timeout=60)
    out, r = events(tend, "--since", "0", check=EXIT_FAIL)
    assert "events lost" in r.err, r.err
    assert "lost" in out[0] and out[0]["lost"] > 0, out[0]
    seqs = [e["seq"] for e in out[1:]]
    assert seqs[0] == out[0]["next"] == out[0]["lost"] + 1
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    assert len(seqs) == HISTORY
    assert seqs[-1] == 1400 and out[0]["lost"] == 1400 - HISTORY


def test_events_since_past_the_end_is_a_reset(tend):
    tend.start(ONE)
    tend.ctl("start", "web", check=EXIT_OK)
    out, r = events(tend, "--since", "999999")
    assert "tendd restarted" in r.err, r.err
    assert [e["seq"] for e in out] == [1, 2]


def test_events_usage(tend):
    tend.start(ONE)
    for argv in (["events", "--since", "x"], ["events", "--bogus"]):
        r = tend.ctl(*argv)
        assert r.rc == EXIT_USAGE, r


def test_events_stream_ends_when_tendd_goes(tend):
    tend.start(ONE, extra="loglevel=debug")
    p = subprocess.Popen([str(TENDCTL), "-c", str(tend.conf), "events"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    tend.wait_request(p.pid, "REQ_EVENTS")
    tend.expect_dead = True
    tend.ctl("shutdown", check=EXIT_OK)
    tend.proc.wait(tendlib.live(10))
    out, err = p.communicate(timeout=tendlib.LIVENESS)
    assert p.returncode == EXIT_NOCONN, (out, err)
    assert b"closed the connection" in err, err


def test_idle_subscriber_costs_no_wakeups(tend):
    """Idle means idle: a subscriber waiting for events arms no timer."""
    tend.start(ONE, extra="loglevel=debug")
    p = subprocess.Popen([str(TENDCTL), "-c", str(tend.conf), "events"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        tend.wait_request(p.pid, "REQ_EVENTS")

        def switches():
            with open(f"/proc/{tend.pid}/status") as f:
                for line in f:
                    if line.startswith("voluntary_ctxt_switches"):
                        return int(line.split()[1])
        a = switches()
        time.sleep(1.5)
        assert switches() - a <= 2, "tendd woke up while idle"
    finally:
        p.kill()
        p.communicate()


# --- start/stop -t -----------------------------------------------------


def test_start_timeout(tend):
    """start -t 0.5 gives up on a process still STARTING (startsecs=60,
    so it cannot be RUNNING by then however loaded the machine), which
    carries on; a -t long enough for a startsecs=1 process is no error."""
    tend.start("""
        [program:slow]
        command={H}/sleeper
        startsecs=60
        autostart=false
        stopwaitsecs=1

        [program:quick]
        command={H}/sleeper
        startsecs=1
        autostart=false
        stopwaitsecs=1
    """)
    r = tend.ctl("start", "-t", "0.5", "slow")
    assert r.rc == EXIT_FAIL, r
    assert "slow: ERROR (timed out)" in r.out, r
    assert "still STARTING after 0.5 seconds" in r.err, r
    # The process carries on towards RUNNING.
    rec = tend.status_of("slow")
    assert rec["state"] == "STARTING" and rec["pid"], rec
    r = tend.ctl("stop", "--timeout=30", "slow", check=EXIT_OK)
    assert "slow: stopped" in r.out
    # A timeout long enough is no error.
    r = tend.ctl("start", "-t30", "quick", check=EXIT_OK)
    assert "quick: started" in r.out


def test_stop_timeout(tend):
    tend.start("""
        [program:deaf]
        command={H}/ignoreterm
        startsecs=0
        stopwaitsecs=5
    """)
    tend.wait_state("deaf", "RUNNING")
    r = tend.ctl("stop", "-t", "0.5", "deaf")
    assert r.rc == EXIT_FAIL, r
    assert "deaf: ERROR (timed out)" in r.out, r
    assert "still STOPPING" in r.err, r
    tend.wait_state("deaf", "STOPPED", timeout=15)


def test_timeout_usage(tend):
    tend.start(ONE)
    for argv in (["start", "-t", "0", "web"], ["start", "-t", "x", "web"],
                 ["stop", "-t", "5"], ["restart", "-q", "web"]):
        r = tend.ctl(*argv)
        assert r.rc == EXIT_USAGE, (argv, r)


# --- the last exit's facts ---------------------------------------------


EXIT_KEYS = {"code", "signal", "core", "utime", "stime", "maxrss_kb",
             "uptime", "time"}


def test_exit_facts_status_and_json(tend):
    tend.start("""
        [program:one]
        command=/bin/sh -c "exit 1"
        startsecs=0
        autorestart=false

        [program:segv]
        command=/bin/sh -c "ulimit -c 0; kill -SEGV $$"
        startsecs=0
        autorestart=false
    """)
    a = tend.wait_state("one", "EXITED")
    b = tend.wait_state("segv", "EXITED")
    assert EXIT_KEYS <= set(a["exit"]), a
    assert a["exit"]["code"] == 1 and a["exit"]["signal"] == 0
    assert b["exit"]["signal"] == signal.SIGSEGV and b["exit"]["core"] is False
    for e in (a["exit"], b["exit"]):
        assert e["maxrss_kb"] > 0
        # (wide margins: a loaded machine may be slow to run them)
        assert 0 <= e["uptime"] < tendlib.LIVENESS
        assert abs(e["time"] - time.time()) < 2 * tendlib.LIVENESS
    rc, lines, out = tend.status_text()
    assert lines["one"][1].startswith("exit status 1, "), out
    assert lines["segv"][1].startswith("terminated by SIGSEGV, "), out


# --- the JSON schema of status, as tendctl(1) writes it down -----------

STATUS_KEYS = {"name", "group", "fullname", "state", "statecode", "pid",
               "start", "stop", "now", "uptime", "description", "spawnerr",
               "exit", "spawns", "log_dropped_bytes", "stdout_logfile",
               "stderr_logfile"}


def man_json_keys():
    from tendlib import SRCDIR
    text = (SRCDIR / "src" / "tendctl.1").read_text()
    section = text[text.index(".Sh JSON OUTPUT"):text.index(".Sh ACCESS")]
    keys = set()
    for line in section.splitlines():
        words = line.split()
        if line.startswith(".It Li "):
            words = words[2:]
        elif line.startswith(".Li "):
            words = words[1:]
        else:
            continue
        keys.update(w.strip(",;") for w in words)
    return keys


def test_status_json_schema(tend):
    tend.start(ONE)
    tend.ctl("start", "web", check=EXIT_OK)
    r = tend.ctl("status", json=True, check=EXIT_OK)
    doc = json.loads(r.out)
    assert isinstance(doc, list) and len(doc) == 1
    rec = doc[0]
    assert STATUS_KEYS <= set(rec), set(rec) ^ STATUS_KEYS
    types = {"name": str, "group": str, "fullname": str, "state": str,
             "statecode": int, "pid": int, "start": int, "stop": int,
             "now": int, "uptime": int, "description": str,
             "spawnerr": str, "spawns": int, "log_dropped_bytes": int,
             "stdout_logfile": str, "stderr_logfile": str}
    for k, t in types.items():
        assert isinstance(rec[k], t), (k, rec[k])
    assert rec["exit"] is None
    # The keys are written down in tendctl(1).
    documented = man_json_keys()
    assert STATUS_KEYS <= documented, STATUS_KEYS - documented
    assert EXIT_KEYS <= documented, EXIT_KEYS - documented
    assert EVENT_KEYS <= documented, EVENT_KEYS - documented
