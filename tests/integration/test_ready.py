"""Readiness (NOTIFY_SOCKET), the watchdog, depends_on, critical programs
and tendd as PID 1 of a PID namespace (issue 8)."""

import os
import shutil
import signal
import socket
import subprocess
import textwrap
import time

import pytest

import tendlib
from tendlib import EXIT_FAIL, EXIT_OK, is_alive, poll

# A service speaking sd_notify(3) by hand, as any non-libsystemd program
# does.  argv: ACTIONS..., each "ready", "status:TEXT", "ping:N:SECS" (N
# WATCHDOG=1 every SECS), "sleep:SECS", "big" (an oversized datagram),
# "child:ready" (a forked child sends READY=1), "hang".
NOTIFIER = r'''
import os, socket, sys, time
path = os.environ["NOTIFY_SOCKET"]
addr = "\0" + path[1:] if path.startswith("@") else path
def send(msg):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.sendto(msg.encode(), addr)
    s.close()
for a in sys.argv[1:]:
    kind, _, arg = a.partition(":")
    if kind == "ready":
        send("READY=1")
    elif kind == "status":
        send("STATUS=" + arg)
    elif kind == "ping":
        n, secs = arg.split(":")
        for _ in range(int(n)):
            send("WATCHDOG=1")
            time.sleep(float(secs))
    elif kind == "sleep":
        time.sleep(float(arg))
    elif kind == "big":
        send("READY=1\nSTATUS=" + "x" * 5000)
    elif kind == "env":
        send("STATUS=WATCHDOG_USEC=" + os.environ.get("WATCHDOG_USEC", ""))
    elif kind == "child":
        if os.fork() == 0:
            send("READY=1\nSTATUS=from child %d" % os.getpid())
            # a sender reaped before tendd looks it up is unknown (see
            # ready.c): a worker lives on, and so does this one a while
            time.sleep(1)
            os._exit(0)
        os.wait()
while True:
    time.sleep(3600)
'''


@pytest.fixture
def notifier(tmp_path):
    """The path of the notifier script; use as `{python} {notifier} ...`."""
    p = tmp_path / "notifier.py"
    p.write_text(NOTIFIER)
    return f"/usr/bin/python3 {p}"


def desc(tend, name):
    return tend.status_of(name)["description"]


# --------------------------------------------------------------------------
# NOTIFY_SOCKET


def test_status_text_shows_in_description(tend):
    tend.start("""
        [program:svc]
        command={H}/notifyready 100 "Ready to accept connections"
        readiness=notify
        startsecs=0
        stopwaitsecs=1
    """)
    rec = tend.wait_state("svc", "RUNNING", timeout=5)
    assert rec["description"].endswith(", Ready to accept connections"), rec
    rc, lines, out = tend.status_text("svc")
    assert "Ready to accept connections" in lines["svc"][1], out


def test_never_ready_is_a_failed_start(tend, helper):
    """readiness_timeout: a process that never says READY=1 is stopped and
    counts as a failed start, then FATAL."""
    tend.start("""
        [program:mute]
        command={H}/sleeper
        readiness=notify
        readiness_timeout=0.5
        startretries=1
        stopwaitsecs=1
    """)
    rec = tend.wait_state("mute", "FATAL", timeout=10)
    assert rec["spawns"] == 2, rec
    assert rec["description"] == \
        "No READY=1 within 0.5s (readiness_timeout)", rec


def test_ready_from_a_child_of_the_service(tend, notifier):
    """A message from another process of the service's session counts."""
    tend.start(f"""
        [program:svc]
        command={notifier} child:ready
        readiness=notify
        startsecs=0
        stopwaitsecs=1
    """)
    rec = tend.wait_state("svc", "RUNNING", timeout=10)
    assert "from child" in rec["description"], rec


def test_unknown_and_oversized_messages_are_dropped(tend, notifier):
    tend.start(f"""
        [program:big]
        command={notifier} big sleep:0.2 ready
        readiness=notify
        startsecs=0
        stopwaitsecs=1

        [program:plain]
        command={{H}}/sleeper
        readiness=notify
        readiness_timeout=0
        startsecs=0
        stopwaitsecs=1
    """, extra="loglevel=debug")
    # The oversized READY=1 is dropped: only the later one counts.
    rec = tend.wait_state("big", "RUNNING", timeout=10)
    assert "xxxx" not in rec["description"], rec
    # A stranger (this test) cannot make a process ready.
    sock = tend.sock.with_suffix(".notify")
    assert sock.exists(), sock
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.sendto(b"READY=1", str(sock))
    s.close()
    tend.wait_until(lambda: "not a process of ours" in tend.log_text(),
                    timeout=5, what="the drop to be logged")
    assert "over 4096 bytes" in tend.log_text()
    assert tend.state("plain") == "STARTING"


def test_readiness_none_gets_no_notify_socket(tend, helper):
    tend.start("""
        [program:plain]
        command={H}/notifyready 0
        startsecs=0
        autorestart=false
    """)
    rec = tend.wait_state("plain", "EXITED", timeout=5)
    assert rec["exit"]["code"] == 2, rec


# --------------------------------------------------------------------------
# the watchdog


def test_watchdog_restarts_a_silent_process(tend, notifier):
    """WATCHDOG_USEC is set; pings keep it alive; silence kills it
    (SIGABRT) and autorestart brings it back."""
    # Pings every 0.2 s against a 2 s watchdog (a margin of 10 for a
    # loaded machine), 20 of them: 4 s of pings, then silence.
    tend.start(f"""
        [program:wd]
        command={notifier} env ready ping:20:0.2 hang
        readiness=notify
        watchdog_sec=2
        startsecs=0
        stopwaitsecs=1
    """)
    rec = tend.wait_state("wd", "RUNNING", timeout=10)
    first = rec["pid"]
    assert "WATCHDOG_USEC=2000000" in rec["description"], rec
    # While it pings it is left alone: still the same pid.
    tend.stays(lambda: tend.pid_of("wd") == first, 1.0,
               what="pinging process left alone")
    tend.wait_until(lambda: (tend.status_of("wd")["spawns"] or 0) >= 2,
                    timeout=10, what="a restart after the pings stop")
    assert "watchdog timeout" in tend.log_text()
    assert not is_alive(first)


# --------------------------------------------------------------------------
# depends_on


def test_dependency_chain_of_three(tend, notifier):
    """web -> app -> db: each starts only once the one below is RUNNING
    (ready); independent programs start at once, in parallel."""
    tend.start(f"""
        [program:db]
        command={{H}}/notifyready 400
        readiness=notify
        startsecs=0
        stopwaitsecs=1

        [program:app]
        command={{H}}/notifyready 400
        readiness=notify
        depends_on=db
        startsecs=0
        stopwaitsecs=1

        [program:web]
        command={{H}}/sleeper
        depends_on=app
        startsecs=0
        stopwaitsecs=1

        [program:other]
        command={{H}}/sleeper
        startsecs=0
        stopwaitsecs=1
    """)
    seen = []

    def all_up():
        s = tend.status_json()
        seen.append({n: (s[n]["state"], s[n].get("pid"),
                         s[n]["description"])
                     for n in ("db", "app", "web", "other")})
        return all(s[n]["state"] == "RUNNING" for n in s)
    tend.wait_until(all_up, timeout=10, what="the chain to be RUNNING")
    for snap in seen:
        if snap["db"][0] != "RUNNING":
            assert not snap["app"][1], seen
        if snap["app"][0] != "RUNNING":
            assert not snap["web"][1], seen
    # The same by tendd's own record, which no slow poller can miss:
    # app and web wait without a process; other runs before db is ready.
    hist = tend.history()
    seq = {(e["fullname"], e["state"]): e for e in hist}
    for name, dep in (("app", "db"), ("web", "app")):
        first = seq[(name, "STARTING")]
        assert not first["pid"], hist
        assert first["description"] == f"waiting for {dep}", hist
        assert seq[(name, "RUNNING")]["seq"] > seq[(dep, "RUNNING")]["seq"]
    assert seq[("other", "RUNNING")]["seq"] < seq[("db", "RUNNING")]["seq"]

    # Stop: reverse order (web, then app, then db).
    tend.ctl("stop", "all", check=EXIT_OK)
    s = tend.status_json()
    assert float(s["web"]["stop"]) <= float(s["app"]["stop"]) <= \
        float(s["db"]["stop"]), s


def test_start_of_dependent_starts_dependencies(tend):
    tend.start("""
        [program:db]
        command={H}/notifyready 200
        readiness=notify
        autostart=false
        startsecs=0
        stopwaitsecs=1

        [program:app]
        command={H}/sleeper
        depends_on=db
        autostart=false
        startsecs=0
        stopwaitsecs=1
    """)
    assert tend.state("db") == tend.state("app") == "STOPPED"
    r = tend.ctl("start", "app", check=EXIT_OK)
    assert "app: started" in r.out, r
    s = tend.status_json()
    assert s["db"]["state"] == s["app"]["state"] == "RUNNING", s
    assert float(s["db"]["start"]) <= float(s["app"]["start"]), s


def test_start_all_with_dependencies_reports_no_errors(tend):
    tend.start("""
        [program:app]
        command={H}/sleeper
        depends_on=db
        autostart=false
        startsecs=0
        stopwaitsecs=1

        [program:db]
        command={H}/sleeper
        autostart=false
        startsecs=0
        stopwaitsecs=1
    """)
    r = tend.ctl("start", "all", check=EXIT_OK)
    assert "ERROR" not in r.out + r.err, r


def test_stopping_a_dependency_stops_dependents_first(tend):
    """stop db: app (slow to stop) goes first, db waits for it; start db
    again and app comes back by itself."""
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
    tend.ctl("stop", "db", check=EXIT_OK)
    s = tend.status_json()
    assert s["app"]["state"] == s["db"]["state"] == "STOPPED", s
    assert float(s["app"]["stop"]) <= float(s["db"]["stop"]), s
    assert s["app"]["description"] == "stopped with db", s
    tend.ctl("start", "db", check=EXIT_OK)
    tend.wait_state("app", "RUNNING", timeout=5)


def test_fatal_dependency_leaves_dependents_stopped(tend):
    tend.start("""
        [program:db]
        command={H}/crasher 1 50
        startretries=1
        stopwaitsecs=1

        [program:app]
        command={H}/sleeper
        depends_on=db
        startsecs=0
        stopwaitsecs=1
    """)
    tend.wait_state("db", "FATAL", timeout=10)
    rec = tend.wait_state("app", "STOPPED", timeout=5)
    assert rec["description"] == "dependency db is FATAL", rec
    assert not rec.get("spawns"), rec
    r = tend.ctl("start", "app")
    assert r.rc == EXIT_FAIL, r


def test_killed_dependency_restarts_dependent_keeps_running(tend):
    """kill -9 the dependency: it is restarted; the dependent is left
    alone (it keeps its place: it was started after db and stays)."""
    tend.start("""
        [program:db]
        command={H}/notifyready 100 "db up"
        readiness=notify
        startsecs=0
        stopwaitsecs=1

        [program:app]
        command={H}/sleeper
        depends_on=db
        startsecs=0
        stopwaitsecs=1
    """)
    tend.wait_state("app", "RUNNING", timeout=5)
    app_pid = tend.pid_of("app")
    db_pid = tend.pid_of("db")
    os.kill(db_pid, signal.SIGKILL)
    tend.wait_until(lambda: tend.pid_of("db") not in (None, 0, db_pid)
                    and tend.state("db") == "RUNNING", timeout=10,
                    what="db restarted and ready")
    assert tend.pid_of("app") == app_pid
    assert tend.status_of("db")["description"].endswith(", db up")


# --------------------------------------------------------------------------
# critical programs


def test_critical_exit_shuts_tendd_down(tend):
    tend.expect_dead = True
    # wait=False: tendd may be gone (main exits at 0.3 s) before a
    # starved test process asks it anything.
    tend.start("""
        [program:main]
        command={H}/crasher 7 300
        critical=exit
        startsecs=0

        [program:side]
        command={H}/sleeper
        startsecs=0
        stopwaitsecs=1
    """, wait=False)
    tend.proc.wait(tendlib.live(10))
    assert tend.proc.returncode == 3
    assert "main is critical and entered" in tend.log_text()


def test_critical_fatal(tend):
    tend.expect_dead = True
    tend.start("""
        [program:main]
        command={H}/crasher 1 50
        critical=true
        startretries=1
    """)
    tend.proc.wait(tendlib.live(15))
    assert tend.proc.returncode == 3
    assert "entered FATAL" in tend.log_text()


# --------------------------------------------------------------------------
# PID 1 in a PID namespace

UNSHARE = shutil.which("unshare")


def _children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


class Pid1:
    """tendd as PID 1 under `unshare --pid --fork --mount-proc`."""

    def __init__(self, tend):
        self.tend = tend
        argv = [UNSHARE, "--pid", "--fork", "--mount-proc", "--kill-child",
                str(tendlib.TENDD), "-c", str(tend.conf)]
        self.log = open(tend.log, "ab")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=self.log,
                                     cwd=tend.dir, env=tend._env())
        kids = poll(lambda: _children(self.proc.pid), timeout=5)
        assert kids, "unshare started no child"
        self.pid = kids[0]  # tendd, as seen from here

    def ctl(self, *args, **kw):
        return self.tend.ctl(*args, **kw)

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(tendlib.live(10))
        self.log.close()


@pytest.fixture
def pid1(tmp_path):
    if not UNSHARE or os.geteuid() != 0:
        pytest.skip("needs unshare(1) and root")
    t = tendlib.Tend(tmp_path, name="ns")
    made = []

    def start(body):
        t.write_config(body)
        p = Pid1(t)
        made.append(p)
        ok = poll(lambda: t.ctl("status", timeout=5).rc in (0, 3),
                  timeout=10)
        assert ok, t.log_tail()
        return p
    yield t, start
    for p in made:
        p.close()


def _zombies_of(pid):
    out = []
    for kid in _children(pid):
        st = tendlib.proc_stat(kid)
        if st and st.state == "Z":
            out.append(kid)
    return out


def test_pid1_reaps_orphans_and_stops_on_sigterm(pid1):
    t, start = pid1
    pidfile = t.dir / "orphan.pid"
    p = start(f"""
        [program:daemon]
        command={{H}}/doublefork {pidfile} exit
        startsecs=0
        autorestart=false

        [program:worker]
        command={{H}}/sleeper
        startsecs=0
        stopwaitsecs=1

        [program:slow]
        command={{H}}/ignoreterm
        startsecs=0
        stopwaitsecs=1
    """)
    assert "init of a PID namespace" in t.log_text()
    poll(lambda: t.status_of("worker")["state"] == "RUNNING", timeout=5)
    poll(lambda: pidfile.exists(), timeout=5)
    # The daemon's main process exited: EXITED, and no zombie stays
    # under tendd (its pidfd reaped it; the orphan is reaped when it
    # dies).
    rec = t.wait_state("daemon", "EXITED", timeout=5)
    assert rec["exit"]["code"] == 0, rec
    orphan_ns = int(pidfile.read_text().split()[0])
    # The orphan's pid is in the namespace; find it from here by walking
    # tendd's children.
    host_orphans = [k for k in _children(p.pid)
                    if tendlib.proc_stat(k) and
                    k not in (t.status_of("worker")["pid"],)]
    assert orphan_ns > 1
    for k in host_orphans:
        st = tendlib.proc_stat(k)
        cmd = tendlib.proc_cmdline(k) or []
        if st and cmd and "doublefork" in cmd[0]:
            os.kill(k, signal.SIGKILL)
    assert poll(lambda: not _zombies_of(p.pid), timeout=5), \
        f"zombies left under PID 1: {_zombies_of(p.pid)}"
    # SIGTERM: everything stops, tendd exits 0, nothing is left.
    everyone = [p.pid] + list(tendlib.descendants(p.pid))
    os.kill(p.pid, signal.SIGTERM)
    p.proc.wait(tendlib.live(15))
    assert p.proc.returncode == 0, t.log_tail()
    for pid in everyone:
        assert tendlib.wait_gone(pid, timeout=5), f"pid {pid} left"


def test_pid1_shutdown_deadline(pid1):
    """A process that ignores SIGTERM with a long stopwaitsecs is killed
    when shutdown_timeout passes; the exit status says so (4)."""
    t, start = pid1
    p = start("""
        [tend]
        shutdown_timeout=1

        [program:stubborn]
        command={H}/ignoreterm
        startsecs=0
        stopwaitsecs=600
    """)
    poll(lambda: t.status_of("stubborn")["state"] == "RUNNING", timeout=5)
    everyone = [p.pid] + list(tendlib.descendants(p.pid))
    # stopwaitsecs=600 would outlast the wait: the deadline ended it.
    os.kill(p.pid, signal.SIGTERM)
    p.proc.wait(tendlib.live(15))
    assert p.proc.returncode == 4, t.log_tail()
    assert "shutdown_timeout passed" in t.log_text()
    for pid in everyone:
        assert tendlib.wait_gone(pid, timeout=5), f"pid {pid} left"


def test_dependency_cycle_refused(tmp_path):
    conf = tmp_path / "c.conf"
    conf.write_text(textwrap.dedent("""
        [program:a]
        command=/bin/sleep 1
        depends_on=c

        [program:b]
        command=/bin/sleep 1
        depends_on=a

        [program:c]
        command=/bin/sleep 1
        depends_on=b
    """))
    r = tendlib.run([tendlib.TENDD, "-n", "-c", conf])
    assert r.rc == 1, r
    assert "depends_on: cycle" in r.err, r


# --------------------------------------------------------------------------
# real programs and systemd


@pytest.mark.skipif(not shutil.which("redis-server"),
                    reason="redis-server is not installed")
def test_redis_supervised_systemd(tend, tmp_path):
    """A real sd_notify user: redis-server --supervised systemd.  web
    starts after redis said READY=1, shows redis's STATUS=, and keeps
    running while redis is killed and restarted."""
    with socket.socket() as s:  # a free TCP port
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    tend.start(f"""
        [program:redis]
        command=redis-server --supervised systemd --port {port}
            --bind 127.0.0.1 --save "" --appendonly no --dir {tmp_path}
        readiness=notify
        startsecs=0
        stopwaitsecs=5

        [program:web]
        command={{H}}/sleeper
        depends_on=redis
        startsecs=0
        stopwaitsecs=1
    """)
    rec = tend.wait_state("web", "RUNNING", timeout=15)
    s = tend.status_json()
    assert float(s["redis"]["start"]) <= float(rec["start"]), s
    assert "Ready to accept connections" in s["redis"]["description"], s
    web_pid, redis_pid = rec["pid"], s["redis"]["pid"]
    os.kill(redis_pid, signal.SIGKILL)
    tend.wait_until(lambda: tend.pid_of("redis") not in (None, 0, redis_pid)
                    and tend.state("redis") == "RUNNING", timeout=15,
                    what="redis restarted and ready")
    assert tend.pid_of("web") == web_pid


def test_sdnotify_towards_systemd(tend, tmp_path):
    """Under a Type=notify unit: READY=1 with a STATUS= once the autostart
    processes are up, WATCHDOG=1 pings at half WATCHDOG_USEC, STOPPING=1 at
    shutdown.  systemd's side is played by a datagram socket."""
    if not (tendlib.BUILDDIR / "autoconf.h").read_text().count(
            "#define HAVE_SYSTEMD 1"):
        pytest.skip("built without libsystemd")
    path = str(tmp_path / "systemd.notify")
    if len(path) >= tendlib.SUN_PATH_MAX:
        pytest.skip("tmp_path too long for a socket")
    rx = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    rx.bind(path)
    rx.settimeout(tendlib.LIVENESS)
    tend.write_config("""
        [program:svc]
        command={H}/notifyready 300
        readiness=notify
        startsecs=0
        stopwaitsecs=1
    """)
    env = tend._env()
    env["NOTIFY_SOCKET"] = path
    env["WATCHDOG_USEC"] = "400000"
    log = open(tend.log, "ab")
    proc = subprocess.Popen([str(tendlib.TENDD), "-c", str(tend.conf)],
                            stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                            env=env)
    try:
        msgs = []
        t0 = time.monotonic()
        while not any(m.startswith("READY=1") for m in msgs):
            msgs.append(rx.recv(4096).decode())
        took = time.monotonic() - t0
        ready = [m for m in msgs if m.startswith("READY=1")][0]
        assert "STATUS=1 running, 0 starting, 0 backoff, 0 fatal of 1" \
            in ready, msgs
        assert took >= 0.25, f"READY=1 before svc was ready: {msgs}"
        pings = 0
        while pings < 2:
            if rx.recv(4096) == b"WATCHDOG=1":
                pings += 1
        proc.send_signal(signal.SIGTERM)
        while True:
            m = rx.recv(4096).decode()
            if m.startswith("STOPPING=1"):
                break
        assert proc.wait(tendlib.live(10)) == 0
        # its service did not inherit tendd's NOTIFY_SOCKET
        assert "svc" not in "".join(msgs)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
        rx.close()
