"""supervisord's state rules on real processes: crashes and restarts,
autorestart/exitcodes, BACKOFF -> FATAL, spawn errors, restart_delay,
readiness=notify and depends_on."""

import os
import re
import signal
import time

import pytest

import tendlib
from tendlib import EXIT_NOTRUNNING, EXIT_OK, is_alive


def exit_signal(rec):
    """The terminating signal of the last exit, as a number (0: none)."""
    sig = (rec.get("exit") or {}).get("signal") or 0
    if isinstance(sig, str):
        sig = getattr(signal, sig if sig.startswith("SIG") else "SIG" + sig)
    return int(sig)


def exit_code(rec):
    return (rec.get("exit") or {}).get("code")


def test_kill_9_worker_comes_back(tend):
    tend.start("""
        [program:worker]
        command={H}/sleeper
        numprocs=2
        process_name=%(program_name)s_%(process_num)d
        startsecs=0
        autorestart=unexpected
        stopwaitsecs=1
    """)
    a = tend.wait_state("worker:worker_0", "RUNNING")
    b = tend.wait_state("worker:worker_1", "RUNNING")
    old = a["pid"]
    os.kill(old, signal.SIGKILL)
    rec = tend.wait_rec("worker:worker_0",
                        lambda r: r["state"] == "RUNNING" and r["pid"] != old,
                        what="worker_0 RUNNING with a new pid")
    assert is_alive(rec["pid"])
    assert not is_alive(old)
    assert exit_signal(rec) == signal.SIGKILL, rec
    assert rec["spawns"] == a["spawns"] + 1, (a, rec)
    # The sibling was not touched.
    assert tend.status_of("worker:worker_1")["pid"] == b["pid"]


def test_autorestart_false_stays_exited(tend):
    tend.start("""
        [program:once]
        command={H}/crasher 0 200
        startsecs=0
        autorestart=false
    """)
    rec = tend.wait_state("once", "EXITED")
    assert exit_code(rec) == 0 and exit_signal(rec) == 0, rec
    assert not rec.get("pid"), rec
    spawns = rec["spawns"]
    tend.stays(lambda: tend.state("once") == "EXITED", 1.0,
               what="once EXITED")
    assert tend.status_of("once")["spawns"] == spawns == 1


@pytest.mark.parametrize("code,expected", [(0, True), (2, True),
                                           (3, False)])
def test_exitcodes_expected_vs_unexpected(tend, code, expected):
    """autorestart=unexpected with exitcodes=0,2: 0 and 2 stay EXITED,
    3 restarts (the negative control of the other two)."""
    tend.start(f"""
        [program:job]
        command={{H}}/crasher {code} 200
        startsecs=0
        autorestart=unexpected
        exitcodes=0,2
        stopwaitsecs=1
    """)
    if expected:
        rec = tend.wait_state("job", "EXITED")
        assert exit_code(rec) == code, rec
        tend.stays(lambda: tend.state("job") == "EXITED"
                   and tend.status_of("job")["spawns"] == 1, 0.8,
                   what="job EXITED, not respawned")
    else:
        rec = tend.wait_rec("job", lambda r: r["spawns"] >= 3,
                            what="job respawned twice")
        assert exit_code(rec) == code, rec


def test_backoff_then_fatal(tend):
    """startretries=2: three failed starts, then FATAL.  startsecs is a
    liveness margin here, like in the other crasher tests: the crasher
    must be gone before it to count as a failed start, and at load ~90
    one took over 1 s to be scheduled and exit (a run, not a failed
    start: 5 spawns instead of 3)."""
    tend.start("""
        [program:crash]
        command={H}/crasher 1
        startsecs=10
        startretries=2
        stopwaitsecs=1
    """)
    t0 = time.monotonic()
    seen = []

    def fatal():
        rec = tend.status_of("crash")
        if not seen or seen[-1] != rec["state"]:
            seen.append(rec["state"])
        return rec if rec["state"] == "FATAL" else None
    rec = tend.wait_until(fatal, timeout=15, what="crash FATAL")
    took = time.monotonic() - t0
    assert "BACKOFF" in seen, seen
    assert set(seen) <= {"STARTING", "BACKOFF", "FATAL"}, seen
    # startretries=2: three attempts, with 1 s and 2 s backoffs between.
    assert rec["spawns"] == 3, rec
    assert took >= 2.5, f"FATAL after {took:.2f} s: backoff did not grow"
    assert "Exited too quickly" in rec["description"], rec
    rc, lines, out = tend.status_text("crash")
    assert lines["crash"][0] == "FATAL" and \
        "Exited too quickly" in lines["crash"][1], out
    # FATAL stays (no more attempts), and a manual start resets it.
    tend.stays(lambda: tend.status_of("crash")["spawns"] == 3, 0.5,
               what="no more spawns once FATAL")
    tend.ctl("start", "crash")
    tend.wait_rec("crash", lambda r: r["spawns"] > 3,
                  what="a new attempt after start")


def test_fatal_without_retries(tend):
    tend.start("""
        [program:crash]
        command={H}/crasher 1
        startsecs=10
        startretries=0
    """)
    rec = tend.wait_state("crash", "FATAL", timeout=5)
    assert rec["spawns"] == 1, rec


@pytest.mark.parametrize("cmd", ["/nonexistent/tend-no-such-cmd",
                                 "tend-no-such-command-in-path"])
@pytest.mark.parametrize("startsecs", [0, 1])
def test_missing_command_is_a_spawn_error(tend, cmd, startsecs):
    """An exec failure is a failed start (BACKOFF, then FATAL after
    startretries), never a RUNNING process and never a crash loop."""
    seen = set()
    tend.start(f"""
        [program:ghost]
        command={cmd} --flag
        startsecs={startsecs}
        startretries=1

        [program:ok]
        command={{H}}/sleeper
        startsecs=0
        stopwaitsecs=1
    """)
    rec = tend.wait_rec("ghost", lambda r: seen.add(r["state"]) or
                        r["state"] == "FATAL", timeout=8, what="ghost FATAL")
    assert "RUNNING" not in seen, f"a process that never ran: {seen}"
    assert cmd in rec["description"] or cmd in (rec.get("spawnerr") or ""), \
        f"status does not name {cmd}: {rec}"
    rc, lines, out = tend.status_text("ghost")
    assert rc == EXIT_NOTRUNNING and cmd in lines["ghost"][1], out
    # tendd carries on: the other program runs, the socket answers.
    assert tend.state("ok") == "RUNNING"
    assert tend.alive()


def test_bad_directory_is_a_spawn_error(tend):
    tend.start("""
        [program:lost]
        command={H}/sleeper
        directory={T}/no/such/dir
        startsecs=0
        startretries=0
    """)
    rec = tend.wait_state("lost", "FATAL", "BACKOFF", timeout=8)
    text = rec["description"] + " " + (rec.get("spawnerr") or "")
    assert "no/such/dir" in text, f"status does not name the directory: " \
                                  f"{rec}"
    assert not rec.get("pid")


def test_a_spawn_error_is_kept_when_many_start_at_once(tend):
    """Past 64 exec pipes open at once, a spawn first closes those whose
    child has exec'd (tendd.c's exec_sweep).  A failure report it meets
    there is that start's error: the process is FATAL with the reason,
    not RUNNING then EXITED (the sweep used to read the report away, and
    the pipe's EOF then passed for an exec)."""
    many = "".join(f"[program:w{i}]\ncommand={{H}}/sleeper\n"
                   f"startsecs=0\nstopwaitsecs=1\n\n" for i in range(100))
    tend.start("[program:lost]\ncommand={H}/sleeper\n"
               "directory={T}/no/such/dir\npriority=1\nstartsecs=0\n"
               "startretries=0\nautorestart=false\n\n" + many)
    rec = tend.wait_state("lost", "FATAL", "EXITED")
    assert rec["state"] == "FATAL", f"a failed exec passed for a run: {rec}"
    text = rec["description"] + " " + (rec.get("spawnerr") or "")
    assert "no/such/dir" in text, f"status does not name the directory: " \
                                  f"{rec}"


def test_instant_exit_restarts_and_tendd_stays_responsive(tend):
    """startsecs=0 + autorestart=true + exit at once: RUNNING, EXITED,
    restart, over and over.  The spawn count grows and tendctl still gets
    answers."""
    tend.start("""
        [program:flap]
        command={H}/crasher 0
        startsecs=0
        autorestart=true
        stopwaitsecs=1

        [program:calm]
        command={H}/sleeper
        startsecs=0
        stopwaitsecs=1
    """)
    first = tend.wait_rec("flap", lambda r: r["spawns"] >= 5,
                          what="flap spawned 5 times")
    # status answers (within tendlib.LIVENESS) during the loop
    for _ in range(5):
        tend.ctl("status", "calm", check=EXIT_OK)
    later = tend.wait_rec("flap", lambda r: r["spawns"] > first["spawns"],
                          what="flap keeps respawning")
    assert later["spawns"] > first["spawns"]
    tend.ctl("stop", "flap")
    assert tend.wait_state("flap", "STOPPED", "EXITED")
    n = tend.status_of("flap")["spawns"]
    tend.stays(lambda: tend.status_of("flap")["spawns"] == n, 0.5,
               what="no spawns after stop")


def restart_gaps(tend, name):
    """Seconds between each RUNNING -> EXITED and the EXITED -> STARTING
    that follows, by tendd's own clock (the events history), so a slow
    poller cannot make them look longer or shorter."""
    evs = tend.history(name)
    gaps = []
    for a, b in zip(evs, evs[1:]):
        if a["state"] == "EXITED":
            assert (b["from"], b["state"]) == ("EXITED", "STARTING"), evs
            gaps.append(b["time"] - a["time"])
    return gaps


def test_restart_delay(tend):
    """restart_delay=1.5: after a crash from RUNNING the process stays
    EXITED that long, then runs again."""
    tend.start("""
        [program:slowpoke]
        command={H}/crasher 1 300
        startsecs=0
        autorestart=true
        restart_delay=1.5
        stopwaitsecs=1
    """)
    tend.wait_rec("slowpoke", lambda r: r["spawns"] >= 2,
                  what="the restart")
    gaps = restart_gaps(tend, "slowpoke")
    assert gaps and min(gaps) >= 1.4, gaps


def test_restart_without_delay_is_prompt(tend):
    """Negative control for restart_delay: the same crash without it is
    restarted at once, in the loop turn that handles the exit (so far
    under the delay used above, by tendd's clock)."""
    tend.start("""
        [program:quick]
        command={H}/crasher 1 300
        startsecs=0
        autorestart=true
        stopwaitsecs=1
    """)
    tend.wait_rec("quick", lambda r: r["spawns"] >= 3,
                  what="two restarts")
    gaps = restart_gaps(tend, "quick")
    assert len(gaps) >= 2 and max(gaps) < 1.0, gaps


def test_readiness_notify(tend):
    """readiness=notify: STARTING until READY=1 (sent after 800 ms), then
    RUNNING.  Without readiness=notify the same helper gets no
    NOTIFY_SOCKET (it exits 2 then)."""
    tend.start("""
        [program:svc]
        command={H}/notifyready 800
        readiness=notify
        startsecs=0
        stopwaitsecs=1

        [program:plain]
        command={H}/notifyready 800
        startsecs=0
        autorestart=false
    """)
    rec = tend.wait_state("plain", "EXITED", timeout=5)
    assert rec["exit"]["code"] == 2, rec
    tend.wait_state("svc", "RUNNING", timeout=5)
    # The history by tendd's own clock, which no slow poller can miss:
    # STARTING at the spawn, RUNNING only once READY=1 came (800 ms later
    # at the earliest, whatever the machine's load).
    evs = tend.history("svc")
    assert [(e["from"], e["state"]) for e in evs] == [
        ("STOPPED", "STARTING"), ("STARTING", "RUNNING")], evs
    assert evs[1]["time"] - evs[0]["time"] >= 0.75, evs


def test_readiness_notify_death_before_ready_is_failed_start(tend):
    tend.start("""
        [program:svc]
        command={H}/crasher 0 100
        readiness=notify
        startsecs=0
        startretries=0
    """)
    rec = tend.wait_state("svc", "FATAL", timeout=5)
    assert rec["spawns"] == 1


@pytest.mark.parametrize("db", [
    "command={H}/sleeper\nstartsecs=1",
    "command={H}/notifyready 700\nreadiness=notify\nstartsecs=0",
], ids=["startsecs", "notify"])
def test_depends_on_waits_for_ready(tend, db):
    """app depends_on db: app's process does not exist before db is
    RUNNING (after startsecs, or after READY=1)."""
    tend.start(f"""
        [program:db]
        {db.replace(chr(10), chr(10) + " " * 8)}
        stopwaitsecs=1

        [program:app]
        command={{H}}/sleeper
        depends_on=db
        startsecs=0
        stopwaitsecs=1
    """)
    seen = []

    def both():
        s = tend.status_json()
        seen.append((s["db"]["state"], s["app"]["state"],
                     s["app"].get("pid"), s["app"].get("spawns")))
        return s["app"]["state"] == "RUNNING"
    tend.wait_until(both, timeout=5, what="app RUNNING")
    # No state name is added for "waiting for a dependency"; what matters
    # is that app's process did not exist before db was RUNNING.
    for dbst, app, pid, spawns in seen:
        if dbst != "RUNNING":
            assert not pid and not spawns and app != "RUNNING", \
                f"app started before db was ready: {seen}"
    # tendd's record: app waited without a process until db was RUNNING.
    hist = tend.history()
    app = [e for e in hist if e["fullname"] == "app"]
    assert app[0]["state"] == "STARTING" and not app[0]["pid"], hist
    assert app[0]["description"] == "waiting for db", hist
    seqs = {(e["fullname"], e["state"]): e["seq"] for e in hist}
    assert seqs[("app", "RUNNING")] > seqs[("db", "RUNNING")], hist


def test_depends_on_stop_order(tend):
    """Stopping both: app (slow to stop: it ignores TERM) is gone before db
    is even signalled."""
    tend.start("""
        [program:db]
        command={H}/sleeper
        startsecs=0
        stopwaitsecs=1

        [program:app]
        command={H}/ignoreterm
        depends_on=db
        startsecs=0
        stopwaitsecs=1
    """)
    tend.wait_state("app", "RUNNING")
    db_pid = tend.pid_of("db")
    tend.ctl("stop", "all", check=EXIT_OK)
    s = tend.status_json()
    assert s["db"]["state"] == s["app"]["state"] == "STOPPED", s
    assert float(s["db"]["stop"]) >= float(s["app"]["stop"]), \
        f"db stopped at {s['db']['stop']}, before app at {s['app']['stop']}"
    assert not is_alive(db_pid)


def test_stop_all_over_a_wide_dependency_graph_answers(tend):
    """Six levels of 100 processes, each level depending on all of the
    one below: ordering a stop by dependency depth must not walk every
    path (100^5 per process of the top level).  Nothing runs, so stop all
    has nothing to do; it must say so within a liveness bound."""
    levels = 6
    body = ""
    for k in range(levels):
        body += (f"[program:l{k}]\n"
                 "command={H}/sleeper\n"
                 "numprocs=100\n"
                 "process_name=%(program_name)s_%(process_num)d\n"
                 "autostart=false\n"
                 "startsecs=0\n" +
                 (f"depends_on=l{k - 1}\n" if k > 0 else "") + "\n")
    tend.start(body)
    r = tend.ctl("stop", "all", check=EXIT_OK, timeout=60)
    assert r.out == "", r
    assert tend.state("l5:l5_99") == "STOPPED"


def test_crash_by_signal_is_recorded(tend):
    tend.start("""
        [program:segv]
        command={H}/crasher segv 200
        startsecs=0
        autorestart=false
    """)
    rec = tend.wait_state("segv", "EXITED")
    assert exit_signal(rec) == signal.SIGSEGV, rec
    assert "SIGSEGV" in rec["description"], rec


def test_priority_orders_start_and_shutdown(tend):
    """Lower priority starts first and stops last (supervisord)."""
    tend.start("""
        [program:late]
        command={H}/sleeper
        priority=300
        startsecs=0
        stopwaitsecs=1

        [program:early]
        command={H}/sleeper
        priority=100
        startsecs=0
        stopwaitsecs=1

        [program:middle]
        command={H}/sleeper
        priority=200
        startsecs=0
        stopwaitsecs=1
    """)
    for n in ("early", "middle", "late"):
        tend.wait_state(n, "RUNNING")
    spawned = re.findall(r"spawned: '(\w+)'", tend.log_text())
    assert spawned == ["early", "middle", "late"], spawned
    tend.ctl("shutdown", check=EXIT_OK)
    tend.expect_dead = True
    assert tend.proc.wait(tendlib.live(10)) == 0
    stopped = re.findall(r"stopped: (\w+)", tend.log_text())
    assert stopped == ["late", "middle", "early"], tend.log_tail()


def test_shutdown_of_300_goes_by_priority_rounds(tend):
    """A shutdown of 300 processes in three priorities stops all of them,
    each priority's only once the higher one's are all down (the rounds
    count what is left instead of looking at every process per exit)."""
    tend.start("".join(f"""
        [program:p{pr}]
        command={{H}}/sleeper
        numprocs=100
        process_name=%(program_name)s_%(process_num)d
        priority={pr}
        startsecs=0
        stopwaitsecs=5
    """ for pr in (100, 300, 200)))
    tend.wait_all("RUNNING", timeout=tendlib.LIVENESS)
    tend.ctl("shutdown", check=EXIT_OK)
    tend.expect_dead = True
    assert tend.proc.wait(tendlib.LIVENESS) == 0
    stopped = re.findall(r"stopped: p(\d+):", tend.log_text())
    assert len(stopped) == 300, tend.log_tail()
    assert stopped == ["300"] * 100 + ["200"] * 100 + ["100"] * 100, \
        tend.log_tail()
