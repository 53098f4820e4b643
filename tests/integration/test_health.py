"""Active health probes (healthcheck=, issue 19): http, tcp and exec
probes, the actions after healthcheck_retries failures, start_period,
readiness=health, and no cost for programs without a probe."""

import os
import signal
import socket
import subprocess
import time

import pytest

from tendlib import EXIT_OK, descendants, is_alive, proc_stat
from test_daemon import ctxt_switches, zombies_of
from test_metrics import PROMTOOL, parse, value


def free_port():
    """A TCP port on 127.0.0.1 nobody listens on (bound, then closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def desc(tend, name):
    return tend.status_of(name)["description"]


def health(tend, name):
    return tend.status_of(name)["health"]


def test_http_probe_frozen_app_is_restarted(tend):
    """A python http.server frozen with SIGSTOP stops answering: after
    healthcheck_retries timed-out probes it is restarted (stopsignal, then
    SIGKILL after stopwaitsecs), and the event stream says why."""
    port = free_port()
    tend.start(f"""
        [program:web]
        command=/usr/bin/python3 -m http.server {port} --bind 127.0.0.1
        directory={{T}}
        healthcheck=http://127.0.0.1:{port}/
        healthcheck_interval=0.5
        healthcheck_timeout=0.5
        healthcheck_retries=2
        readiness=health
        stopwaitsecs=1
        stdout_logfile=NONE
        stderr_logfile=NONE
    """)
    rec = tend.wait_rec("web", lambda r: r["state"] == "RUNNING" and
                        r["description"].endswith(", healthy"),
                        what="web RUNNING and healthy")
    assert rec["health"]["state"] == "healthy"
    pid = rec["pid"]
    os.kill(pid, signal.SIGSTOP)
    # interval x retries + timeout + stopwaitsecs is about 3 s; the wait
    # is a liveness bound.
    rec = tend.wait_rec("web", lambda r: r["pid"] not in (0, pid) and
                        r["state"] == "RUNNING", timeout=30,
                        what="web restarted")
    assert not is_alive(pid)
    evs = tend.history("web")
    bad = [e for e in evs if e.get("health") == "unhealthy" and
           e["state"] == "RUNNING"]
    assert bad, evs
    assert "unhealthy (2 failures: timed out after 0.5s)" in \
        bad[0]["description"], bad[0]
    assert "restarting (healthcheck_action=restart)" in tend.log_text()
    states = [(e["from"], e["state"]) for e in evs]
    assert ("RUNNING", "STOPPING") in states
    assert ("STOPPING", "STOPPED") in states
    text = tend.ctl("metrics", check=EXIT_OK).out
    _, s = parse(text)  # the format rules a scraper relies on
    assert value(s, "tend_process_health_actions_total", name="web") == 1
    assert value(s, "tend_process_health_probes_total", name="web") >= 4
    assert value(s, "tend_process_health_probe_failures_total",
                 name="web") >= 2
    assert value(s, "tend_process_health_probe_seconds_total",
                 name="web") > 0
    tend.wait_rec("web", lambda r: r["health"]["state"] == "healthy",
                  what="the new web healthy")
    text = tend.ctl("metrics", check=EXIT_OK).out
    _, s = parse(text)
    assert value(s, "tend_process_healthy", name="web") == 1
    if PROMTOOL:
        p = subprocess.run([PROMTOOL, "check", "metrics"], input=text,
                           capture_output=True, text=True, timeout=30)
        assert p.returncode == 0, (p.stdout, p.stderr, text)


def test_tcp_refused_is_unhealthy(tend):
    """A TCP probe against a closed port: unhealthy, with the reason in
    the description; healthcheck_action=none leaves the process alone."""
    port = free_port()
    tend.start(f"""
        [program:app]
        command={{H}}/sleeper
        startsecs=0
        healthcheck=tcp:127.0.0.1:{port}
        healthcheck_interval=0.1
        healthcheck_retries=3
        healthcheck_action=none
    """)
    pid = tend.wait_state("app", "RUNNING")["pid"]
    rec = tend.wait_rec("app", lambda r: r["health"]["failures"] >= 5,
                        what="5 failed probes")
    assert "unhealthy (" in rec["description"]
    assert "failures: connect: Connection refused)" in rec["description"]
    assert rec["health"]["state"] == "unhealthy"
    assert rec["health"]["reason"] == "connect: Connection refused"
    assert rec["health"]["actions"] == 0
    assert rec["pid"] == pid and rec["state"] == "RUNNING"
    rc, table, _ = tend.status_text("app")
    assert "unhealthy (" in table["app"][1]


def test_exec_probe_exit_code_user_env_dir(tend):
    """exec: probes run with the program's environment and directory;
    exit 0 is healthy, any other status is a failure named in status."""
    tend.start("""
        [program:good]
        command={H}/sleeper
        startsecs=0
        directory={T}
        environment=PROBE_WANT="yes"
        healthcheck=exec:sh -c 'test "$PROBE_WANT" = yes && test "$PWD" = {T} && test -f {T}/tend.conf'
        healthcheck_interval=0.1

        [program:bad]
        command={H}/sleeper
        startsecs=0
        healthcheck=exec:sh -c "exit 3"
        healthcheck_interval=0.1
        healthcheck_retries=2
        healthcheck_action=none

        [program:nocmd]
        command={H}/sleeper
        numprocs=2
        process_name=%(program_name)s_%(process_num)d
        startsecs=0
        healthcheck=exec:/nonexistent/probe%(process_num)d
        healthcheck_interval=0.05
        healthcheck_retries=1
        healthcheck_action=none
    """)
    tend.wait_rec("good", lambda r: r["health"]["state"] == "healthy",
                  what="good healthy")
    rec = tend.wait_rec("bad", lambda r: r["health"]["state"] == "unhealthy",
                        what="bad unhealthy")
    assert "exec: exit status 3" in rec["description"]
    # A probe that fails before its exec says why, each its own reason
    # (the reports of all exec probes share one socket, by pid).
    for i in (0, 1):
        rec = tend.wait_rec(f"nocmd:nocmd_{i}",
                            lambda r: r["health"]["probe_failures"] >= 3,
                            what=f"nocmd_{i} failed 3 probes")
        assert rec["health"]["reason"] == \
            f"exec /nonexistent/probe{i}: No such file or directory", rec


def probe_children(tend):
    """This tendd's processes that are an exec probe's `sleep 7777`: its
    own, not another test's (tests run in parallel, and another check
    may run this very test on the same machine)."""
    out = []
    for d in descendants(tend.pid):
        try:
            with open(f"/proc/{d}/cmdline", "rb") as f:
                cmd = f.read().split(b"\0")
        except OSError:
            continue
        if cmd[:2] == [b"sleep", b"7777"]:
            out.append(d)
    return out


def test_exec_probe_killed_at_timeout(tend):
    """A hanging exec probe is killed at healthcheck_timeout and counts
    as a failure; probes of one process never overlap."""
    tend.start("""
        [program:app]
        command={H}/sleeper
        startsecs=0
        healthcheck=exec:sleep 7777
        healthcheck_interval=0.1
        healthcheck_timeout=0.3
        healthcheck_retries=2
        healthcheck_action=none
    """)
    rec = tend.wait_rec("app", lambda r: r["health"]["failures"] >= 3,
                        what="3 timed-out probes")
    assert "timed out after 0.3s" in rec["description"]
    tend.stays(lambda: len(probe_children(tend)) <= 1, 1.0,
               what="at most one probe at a time")
    tend.ctl("stop", "app", check=EXIT_OK)
    tend.wait_until(lambda: not probe_children(tend),
                    what="the last probe reaped")


def test_exec_probe_exits_are_not_service_exits(tend):
    """Exec probes are tendd's children too: their exits are never taken
    for a service's, a service's exit that comes together with a probe's
    (the probe sets it off through a FIFO) is still reaped, with its own
    status, and an orphan adopted meanwhile is reaped; no zombie is left
    (reap.c's SIGCHLD walk is deferred while children exit often)."""
    os.mkfifo(tend.dir / "go")
    pidfile = tend.dir / "grandchild.pid"
    tend.track_pidfile(pidfile)
    tend.start("""
        [program:app]
        command={H}/sleeper
        startsecs=0
        healthcheck=exec:sh -c 'exec 3<>{T}/go; echo >&3'
        healthcheck_interval=0.05

        [program:victim]
        command=sh -c 'read x < {T}/go; exit 7'
        startsecs=0
        autorestart=true

        [program:df]
        command={H}/doublefork {T}/grandchild.pid
        startsecs=0
        stopwaitsecs=1
    """)
    app = tend.wait_state("app", "RUNNING")["pid"]
    # Each respawn of victim needs its exit before it reaped.
    rec = tend.wait_rec("victim", lambda r: r["spawns"] >= 4,
                        what="victim ended by 3 probes, reaped each time")
    assert rec["exit"]["code"] == 7 and not rec["exit"].get("signal"), rec
    exits = [e["exit"] for e in tend.history("victim") if e.get("exit")]
    assert len(exits) >= 3 and all(x["code"] == 7 for x in exits), exits
    gpid = int(tend.wait_until(lambda: pidfile.exists() and
                               pidfile.read_text().strip(),
                               what="grandchild pidfile"))
    assert proc_stat(gpid).ppid == tend.pid
    os.kill(gpid, signal.SIGKILL)
    tend.wait_until(lambda: proc_stat(gpid) is None,
                    what=f"orphan {gpid} reaped while probes run")
    rec = tend.status_of("app")
    assert rec["state"] == "RUNNING" and rec["pid"] == app, rec
    assert rec["spawns"] == 1 and rec["health"]["state"] == "healthy", rec
    assert rec["health"]["probes"] >= 3, rec
    assert not [e for e in tend.history("app") if e.get("exit")]
    assert tend.status_of("df")["spawns"] == 1
    tend.ctl("stop", "app", "victim", check=EXIT_OK)
    tend.wait_until(lambda: not zombies_of(tend.pid),
                    what="no zombie children of tendd")


def test_start_period_ignores_early_failures(tend):
    """Failures while younger than healthcheck_start_period do not count;
    later ones do."""
    port = free_port()
    tend.start(f"""
        [program:app]
        command={{H}}/sleeper
        startsecs=0
        healthcheck=tcp:127.0.0.1:{port}
        healthcheck_interval=0.1
        healthcheck_retries=1
        healthcheck_start_period=6
        healthcheck_action=none
    """)
    tend.wait_rec("app", lambda r: r["health"]["probe_failures"] >= 3,
                  what="3 failed probes")
    rec = tend.status_of("app")
    assert rec["health"]["state"] == "unknown", rec
    assert rec["health"]["failures"] == 0
    assert "health unknown (connect: Connection refused)" in \
        rec["description"]
    tend.wait_rec("app", lambda r: r["health"]["state"] == "unhealthy",
                  what="unhealthy once the start period is over")


def test_action_signal(tend):
    """healthcheck_action=signal:TERM signals the process; sleeper dies of
    it and autorestart brings it back."""
    tend.start("""
        [program:app]
        command={H}/sleeper
        startsecs=0
        healthcheck=exec:false
        healthcheck_interval=0.1
        healthcheck_retries=2
        healthcheck_action=signal:TERM
    """)
    pid = tend.wait_state("app", "RUNNING")["pid"]
    tend.wait_rec("app", lambda r: r["pid"] not in (0, pid) and
                  r["state"] == "RUNNING", what="app restarted by its exit")
    exits = [e for e in tend.history("app") if e.get("exit")]
    assert exits and exits[0]["exit"]["signal"] == signal.SIGTERM
    assert "sending SIGTERM (healthcheck_action)" in tend.log_text()


def test_readiness_health_holds_starting(tend):
    """readiness=health: STARTING until a probe passes, then RUNNING."""
    port = free_port()
    tend.start(f"""
        [program:app]
        command={{H}}/sleeper
        startsecs=0
        readiness=health
        healthcheck=tcp:127.0.0.1:{port}
        healthcheck_interval=0.2
    """)
    tend.wait_rec("app", lambda r: r["health"]["probe_failures"] >= 2,
                  what="2 failed probes")
    rec = tend.status_of("app")
    assert rec["state"] == "STARTING", rec
    assert rec["description"].startswith("health unknown (connect: ")
    with socket.socket() as ls:
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("127.0.0.1", port))
        ls.listen(16)
        rec = tend.wait_state("app", "RUNNING")
    assert rec["health"]["state"] == "healthy"
    assert "a health probe passed" in tend.log_text()


def test_no_probe_no_wakeups(tend):
    """A program without a probe (healthcheck=none) has no timer: tendd
    stays idle, and status shows no health."""
    tend.start("""
        [program:web]
        command={H}/sleeper
        startsecs=0
        healthcheck=none
        healthcheck_interval=0.1
    """)
    rec = tend.wait_state("web", "RUNNING")
    assert rec["health"] is None
    last = [ctxt_switches(tend.pid), 0]

    def settled():
        now = ctxt_switches(tend.pid)
        last[1] = last[1] + 1 if now == last[0] else 0
        last[0] = now
        return last[1] >= 5
    tend.wait_until(settled, timeout=10, interval=0.1, what="tendd settled")
    before = ctxt_switches(tend.pid)
    time.sleep(1.0)  # the measurement window, not a wait for tendd
    assert ctxt_switches(tend.pid) == before


def http_get(tend, path):
    """GET PATH over the control socket (tendd tells HTTP from its own
    protocol); (status, body), or None when tendd has no HTTP."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(30)
        s.connect(str(tend.sock))
        s.sendall(f"GET {path} HTTP/1.0\r\n\r\n".encode())
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


def test_healthz_readyz(tend):
    """/healthz is 200 while tendd's loop runs; /readyz is 503 with the
    list of autostart processes not RUNNING and healthy, then 200."""
    port = free_port()
    tend.start(f"""
        [program:app]
        command={{H}}/sleeper
        startsecs=0
        readiness=health
        healthcheck=tcp:127.0.0.1:{port}
        healthcheck_interval=0.2
        healthcheck_action=none

        [program:other]
        command={{H}}/sleeper
        startsecs=0

        [program:manual]
        command={{H}}/sleeper
        autostart=false
    """)
    r = http_get(tend, "/healthz")
    if r is None:
        pytest.skip("tendd built without HTTP")
    assert r == (200, "ok\n")
    tend.wait_state("other", "RUNNING")
    status, body = http_get(tend, "/readyz")
    assert status == 503
    assert body.startswith("app STARTING "), body
    assert "other" not in body and "manual" not in body
    with socket.socket() as ls:
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("127.0.0.1", port))
        ls.listen(16)
        tend.wait_state("app", "RUNNING")
        assert http_get(tend, "/readyz") == (200, "ready\n")
    # nobody listens any more: unhealthy after 3 failures, 503 again
    tend.wait_rec("app", lambda r: r["health"]["state"] == "unhealthy",
                  what="app unhealthy")
    status, body = http_get(tend, "/readyz")
    assert status == 503 and "unhealthy (" in body, body


def test_reexec_keeps_probe_state(tend):
    """tendctl reexec carries each probe's counts and health: the process
    stays, unhealthy, and probing goes on in the new tendd."""
    port = free_port()
    tend.start(f"""
        [program:app]
        command={{H}}/sleeper
        startsecs=0
        healthcheck=tcp:127.0.0.1:{port}
        healthcheck_interval=0.2
        healthcheck_retries=2
        healthcheck_action=none
    """)
    rec = tend.wait_rec("app", lambda r: r["health"]["state"] == "unhealthy",
                        what="app unhealthy")
    pid, probes = rec["pid"], rec["health"]["probes"]
    tend.ctl("reexec", timeout=60, check=EXIT_OK)
    tend.wait_until(lambda: "handover: 1 processes taken over"
                    in tend.log_text(), what="the reexec")
    rec = tend.status_of("app")
    assert rec["pid"] == pid
    assert rec["health"]["state"] == "unhealthy", rec
    assert rec["health"]["probes"] >= probes
    tend.wait_rec("app", lambda r: r["health"]["probes"] > probes + 2,
                  what="probing after the reexec")
