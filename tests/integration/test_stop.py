"""Stopping: stopsignal, SIGKILL after stopwaitsecs, the process group
(stopasgroup / killasgroup) and the processes that outlive the main one
(stop_leftovers), each with its negative control; stops during STARTING
and BACKOFF."""

import os
import signal
import subprocess
import time

import pytest

import tendlib
from tendlib import (EXIT_OK, TENDCTL, is_alive, poll, proc_stat,
                     wait_gone)


def bg_ctl(tend, *args):
    return subprocess.Popen([str(TENDCTL), "-c", str(tend.conf), *args],
                            stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def finish(p, timeout=tendlib.LIVENESS):
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        raise AssertionError(f"tendctl did not return in {timeout} s")
    return p.returncode, out.decode(), err.decode()


def test_stop_ignoreterm_escalates_to_sigkill(tend):
    tend.start("""
        [program:deaf]
        command={H}/ignoreterm
        startsecs=0
        stopwaitsecs=1
        stdout_logfile={T}/deaf.out

        [program:polite]
        command={H}/sleeper
        startsecs=0
        stopwaitsecs=1
    """)
    rec = tend.wait_state("deaf", "RUNNING")
    pid = rec["pid"]
    # Wait for "ready": ignoreterm has set SIG_IGN by then.
    out = tend.dir / "deaf.out"
    tend.wait_until(lambda: out.exists() and "ready" in out.read_text(),
                    what="ignoreterm to print ready")
    t0 = time.monotonic()
    p = bg_ctl(tend, "stop", "deaf")
    rc, out, err = finish(p)
    took = time.monotonic() - t0
    assert rc == EXIT_OK, (rc, out, err)
    assert "deaf: stopped" in out
    # (finish() bounds it: the SIGKILL did come)
    assert took >= 0.9, f"SIGKILL came after {took:.2f} s < stopwaitsecs"
    rec = tend.wait_state("deaf", "STOPPED")
    assert not is_alive(pid)
    # TERM was ignored: deaf stayed STOPPING for stopwaitsecs (1 s),
    # by tendd's own events (STOPPING lasts a second: a poller on a
    # loaded machine saw RUNNING, then STOPPED).
    ev = [(e["state"], e["time"]) for e in tend.history("deaf")]
    assert [e[0] for e in ev][-2:] == ["STOPPING", "STOPPED"], ev
    assert ev[-1][1] - ev[-2][1] >= 0.9, ev
    sig = (rec.get("exit") or {}).get("signal")
    assert sig in (signal.SIGKILL, "KILL", "SIGKILL"), rec

    # Negative control: a process that honours TERM is stopped by it,
    # no SIGKILL.
    polite = tend.pid_of("polite")
    tend.ctl("stop", "polite", check=EXIT_OK)
    assert not is_alive(polite)
    rec = tend.status_of("polite")
    assert rec["exit"]["signal"] == signal.SIGTERM, rec


def shell_with_child(tend, pidfile, extra="", trap=""):
    tend.track_pidfile(pidfile)
    return (f"command=/bin/sh -c '{trap}/bin/sleep 1000 & "
            f"echo $! > {pidfile}; wait'\n{extra}")


def child_pid(tend, pidfile, service_pid):
    text = tend.wait_until(
        lambda: pidfile.exists() and pidfile.read_text().strip(),
        what=f"{pidfile} written")
    pid = int(text)
    st = proc_stat(pid)
    assert st and st.pgrp == proc_stat(service_pid).pgrp, \
        "the child is not in the service's process group"
    # A service gets its own session and process group.
    assert st.pgrp == service_pid and st.session == service_pid, \
        (st, service_pid)
    return pid


def test_stopasgroup_kills_the_group(tend):
    pidfile = tend.dir / "child.pid"
    tend.start(f"""
        [program:grp]
        {shell_with_child(tend, pidfile)}
        startsecs=0
        stopwaitsecs=1
        stopasgroup=true
    """)
    svc = tend.wait_state("grp", "RUNNING")["pid"]
    kid = child_pid(tend, pidfile, svc)
    tend.ctl("stop", "grp", check=EXIT_OK)
    assert wait_gone(svc, 3) and wait_gone(kid, 3), "group not stopped"


def test_killasgroup_kills_the_group(tend):
    """TERM is ignored by the shell and its child; after stopwaitsecs the
    SIGKILL goes to the whole group."""
    pidfile = tend.dir / "child.pid"
    tend.start(f"""
        [program:grp]
        {shell_with_child(tend, pidfile, trap='trap "" TERM; ')}
        startsecs=0
        stopwaitsecs=1
        killasgroup=true
    """)
    svc = tend.wait_state("grp", "RUNNING")["pid"]
    kid = child_pid(tend, pidfile, svc)
    tend.ctl("stop", "grp", check=EXIT_OK)
    assert wait_gone(svc, 3) and wait_gone(kid, 3), "group not killed"


def test_without_stopasgroup_the_child_survives(tend):
    """Negative control for the two above: with supervisord's behaviour
    (stop_leftovers=false), stopping only the leader leaves its child
    running, re-parented to tendd, the subreaper.  We kill it ourselves
    and tendd must reap it."""
    pidfile = tend.dir / "child.pid"
    tend.start(f"""
        [program:grp]
        {shell_with_child(tend, pidfile)}
        startsecs=0
        stopwaitsecs=1
        stop_leftovers=false
    """)
    svc = tend.wait_state("grp", "RUNNING")["pid"]
    kid = child_pid(tend, pidfile, svc)
    tend.ctl("stop", "grp", check=EXIT_OK)
    assert wait_gone(svc, 3)
    assert is_alive(kid), "child died without stopasgroup: the test " \
                          "cannot tell stopasgroup from plain stop"
    assert proc_stat(kid).ppid == tend.pid, "orphan not adopted by tendd"
    os.kill(kid, signal.SIGKILL)
    # Gone entirely, not a zombie: tendd reaped its adopted orphan.
    # One read of /proc per poll: read twice, the orphan could be reaped
    # between the two and the second read return None.
    def reaped_or_gone():
        st = proc_stat(kid)
        return st is None or st.ppid != tend.pid

    assert poll(reaped_or_gone, timeout=3), \
        f"orphan {kid} left as a zombie of tendd: {proc_stat(kid)}"
    assert tend.state("grp") == "STOPPED"


def test_stop_while_starting(tend):
    """Stop during startsecs: STOPPED, the process gone, and it does not
    come back when startsecs would have elapsed."""
    tend.start("""
        [program:slow]
        command={H}/sleeper
        startsecs=3
        stopwaitsecs=1
    """)
    rec = tend.wait_state("slow", "STARTING")
    tend.ctl("stop", "slow", check=EXIT_OK)
    assert tend.state("slow") == "STOPPED"
    assert wait_gone(rec["pid"], 3)
    tend.stays(lambda: tend.status_of("slow")["spawns"] == 1
               and tend.state("slow") == "STOPPED", 0.5,
               what="slow stays STOPPED")


def test_stop_while_backoff_cancels_retries(tend):
    tend.start("""
        [program:crash]
        command={H}/crasher 1
        startsecs=10
        startretries=5
    """)
    tend.wait_state("crash", "BACKOFF")
    tend.ctl("stop", "crash")
    rec = tend.wait_state("crash", "STOPPED")
    spawns = rec["spawns"]
    # the next retry would have come after 1 or 2 s
    tend.stays(lambda: tend.status_of("crash")["spawns"] == spawns
               and tend.state("crash") == "STOPPED", 2.2,
               what="no retry after stop")


def test_shutdown_during_backoff_is_prompt(tend):
    tend.start("""
        [program:crash]
        command={H}/crasher 1
        startsecs=10
        startretries=5

        [program:web]
        command={H}/sleeper
        startsecs=0
        stopwaitsecs=1
    """)
    # The third BACKOFF waits 3 s before the next try (the delay grows by
    # 1 s per failed start): time enough, on a loaded machine too, for the
    # shutdown to arrive while crash has no process.
    tend.wait_rec("crash", lambda r: r["state"] == "BACKOFF"
                  and r["spawns"] >= 3, what="crash in its third BACKOFF")
    tend.ctl("shutdown", check=EXIT_OK)
    tend.expect_dead = True
    assert tend.proc.wait(tendlib.live(10)) == 0
    # Nothing waits for, retries or stops the process in BACKOFF: it has
    # no process, and the shutdown ends with web's stop.
    log = tend.log_text()
    before = log[:log.index("shutting down")]
    # The premise: crash was in BACKOFF when the shutdown came.
    last = [ln for ln in before.splitlines() if "crash" in ln][-1]
    assert "entered BACKOFF" in last, log
    after = log[log.index("shutting down"):]
    assert "crash" not in after, log
    assert "all processes stopped; exiting" in after, log


@pytest.mark.parametrize("stopasgroup", [True, False])
def test_death_order_stopasgroup_vs_stop_leftovers(tend, stopasgroup):
    """The shell takes 2 s to exit on TERM.  With stopasgroup its child
    gets TERM at once and dies first; without it (stop_leftovers=true, the
    default) the child outlives the shell and is stopped after it.  Either
    way nothing is left and the process ends STOPPED.  Each process writes
    its own line as it ends, so the order does not depend on how often a
    loaded test machine lets this test look (it once saw both gone at the
    same poll).  The child writes its pid file once its trap is set (the
    shell's trap is set before the child starts): a pid file written by
    the shell let the stop come, on a loaded machine, before the child
    had set its trap, and the child died without its line."""
    pidfile = tend.dir / "child.pid"
    order = tend.dir / "order"
    tend.track_pidfile(pidfile)
    child = (f"trap \"echo child >> {order}; exit 0\" TERM; "
             f"echo $$ > {pidfile}; sleep 1000 & wait")
    tend.start(f"""
        [program:grp]
        command=/bin/sh -c 'trap "sleep 2; echo main >> {order}; exit 0" TERM; /bin/sh -c '"'"'{child}'"'"' & wait'
        startsecs=0
        stopwaitsecs=10
        stopasgroup={"true" if stopasgroup else "false"}
    """)
    svc = tend.wait_state("grp", "RUNNING")["pid"]
    kid = child_pid(tend, pidfile, svc)
    p = bg_ctl(tend, "stop", "grp")
    try:
        tend.wait_until(lambda: not is_alive(svc) and not is_alive(kid),
                        what="main and child gone")
    finally:
        rc, out, err = finish(p)
    assert rc == EXIT_OK and "grp: stopped" in out, (rc, out, err)
    lines = order.read_text().split()
    if stopasgroup:
        assert lines == ["child", "main"], lines
    else:
        assert lines == ["main", "child"], lines
    assert tend.state("grp") == "STOPPED"


def test_start_after_a_sigkill_stop(tend):
    """After a stop that had to SIGKILL, a new start runs normally: the new
    process is not caught by the old stop's kill."""
    tend.start("""
        [program:deaf]
        command={H}/ignoreterm
        startsecs=0
        stopwaitsecs=1
    """)
    tend.wait_state("deaf", "RUNNING")
    tend.ctl("stop", "deaf", check=EXIT_OK)
    tend.ctl("start", "deaf", check=EXIT_OK)
    rec = tend.wait_state("deaf", "RUNNING")
    spawns = rec["spawns"]
    tend.stays(lambda: tend.status_of("deaf")["spawns"] == spawns
               and tend.state("deaf") == "RUNNING", 1.0,
               what="deaf RUNNING, not respawning")
    assert is_alive(rec["pid"])
