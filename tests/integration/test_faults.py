"""Faults injected under a running tendd (issue 20): a full and a broken
log target (ENOSPC on a tiny tmpfs, EIO from a terminal whose other end
went away), descriptors running out at spawn (EMFILE), a service's
cgroup removed under tendd, tendd stopped (SIGSTOP) for 10 s while its
services crash, and a service writing much more than a stalled or a
slow tendd reads.  In each, tendd carries on, says what happened once,
and recovers when the fault goes away; nothing is lost that could be
kept."""

import errno
import glob
import hashlib
import itertools
import os
import pty
import resource
import signal
import subprocess
import threading
import time

import pytest

import seqpattern
import tendlib
from tendlib import EXIT_OK, all_stats

MiB = 1 << 20


def read_bytes(p):
    try:
        return p.read_bytes()
    except FileNotFoundError:
        return b""


# --- ENOSPC: the log directory is a tmpfs that fills up ------------------

@pytest.fixture
def tiny_tmpfs(tmp_path):
    d = tmp_path / "tiny"
    d.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k",
                        "tend-test", str(d)], capture_output=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {r.stderr.decode().strip()}")
    try:
        yield d
    finally:
        subprocess.run(["umount", "-l", str(d)])


def test_enospc_on_a_log_file_then_space_again(tend, tiny_tmpfs):
    out = tiny_tmpfs / "w.out"
    tend.start(f"""
        [program:w]
        command=/bin/sh -c 'i=0; while :; do echo w-line-$i; i=$((i+1)); sleep 0.01; done'
        startsecs=0
        stopwaitsecs=1
        stdout_logfile={out}
        stdout_logfile_maxbytes=0
    """)
    tend.wait_until(lambda: read_bytes(out).count(b"\n") > 3,
                    what="output in the log")
    # Fill the filesystem: the log's next write gets ENOSPC.
    filler = tiny_tmpfs / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while os.write(fd, b"\0" * 4096) > 0:
            pass
    except OSError as e:
        assert e.errno == errno.ENOSPC, e
    finally:
        os.close(fd)
    # The log's last page still has room: pad it with empty lines to 3
    # bytes short of full, so that tendd's next write is cut (the cut
    # line must not glue onto what comes after the gap) and the one
    # after fails, however slowly the writer runs.
    fd = os.open(out, os.O_WRONLY | os.O_APPEND)
    try:
        pad = -os.fstat(fd).st_size % 4096 - 3
        if pad > 0:
            os.write(fd, b"\n" * pad)
    except OSError as e:
        assert e.errno == errno.ENOSPC, e
    finally:
        os.close(fd)
    tend.wait_until(lambda: "No space left on device; dropping output"
                    in tend.log_text(), what="ENOSPC said")
    tend.wait_until(lambda: tend.status_of("w")["log_dropped_bytes"] > 0,
                    what="dropped bytes counted")
    assert tend.state("w") == "RUNNING"
    tend.ctl("status", check=EXIT_OK)
    # Space again: writing resumes (retried once a second), said once.
    filler.unlink()
    tend.wait_until(lambda: f"writing {out} again" in tend.log_text(),
                    what="recovery said")
    n = read_bytes(out).count(b"\n")
    tend.wait_until(lambda: read_bytes(out).count(b"\n") > n + 3,
                    what="new lines after the recovery")
    said = [ln for ln in tend.log_text().splitlines()
            if "dropping output" in ln]
    assert len(said) == 1, said
    # A line cut by the failure is ended before the output after the
    # gap: no line holds the end of one and the start of another (was
    # "w-liw-line-420").
    for line in read_bytes(out).splitlines():
        assert b"w-line-" not in line[1:], line


# --- EIO: the log target is a terminal whose master side closed ----------

def test_eio_on_a_log_file(tend):
    master, slave = pty.openpty()
    name = os.ttyname(slave)
    # (our slave fd stays open until tendd has written: reading a master
    # whose slave nobody holds open fails with EIO)
    try:
        tend.start(f"""
            [program:t]
            command=/bin/sh -c 'i=0; while :; do echo t-line-$i; i=$((i+1)); sleep 0.02; done'
            startsecs=0
            stopwaitsecs=1
            stdout_logfile={name}
            stdout_logfile_maxbytes=0
        """)
        got = b""
        deadline = time.monotonic() + tendlib.LIVENESS
        while b"t-line-" not in got and time.monotonic() < deadline:
            got += os.read(master, 4096)
        assert b"t-line-" in got, got
    finally:
        os.close(slave)
        os.close(master)  # from now on, writes to the slave fail with EIO
    tend.wait_until(lambda: "Input/output error; dropping output"
                    in tend.log_text(), what="EIO said")
    tend.wait_until(lambda: tend.status_of("t")["log_dropped_bytes"] > 0,
                    what="dropped bytes counted")
    assert tend.state("t") == "RUNNING"
    r = tend.ctl("stop", "t", check=EXIT_OK)
    assert "t: stopped" in r.out
    said = [ln for ln in tend.log_text().splitlines()
            if "dropping output" in ln]
    assert len(said) == 1, said


# --- EMFILE at spawn -------------------------------------------------------

def test_emfile_at_spawn_is_a_failed_start_then_works(tend):
    tend.start("""
        [program:svc]
        command={H}/sleeper
        autostart=false
        startsecs=0
        startretries=0
        stopwaitsecs=1
    """)
    old = resource.prlimit(tend.pid, resource.RLIMIT_NOFILE)
    nfds = len(os.listdir(f"/proc/{tend.pid}/fd"))
    try:
        # Room for the control client's connection, none for the pipes
        # and pidfd a spawn needs.
        resource.prlimit(tend.pid, resource.RLIMIT_NOFILE,
                         (nfds + 1, old[1]))
        r = tend.ctl("start", "svc")
        assert r.rc != EXIT_OK, r
        rec = tend.wait_state("svc", "FATAL", "BACKOFF")
        text = rec["description"] + " " + (rec.get("spawnerr") or "")
        assert "Too many open files" in text or \
            "Too many open files" in tend.log_text(), (rec, r)
        assert not rec.get("pid"), rec
    finally:
        resource.prlimit(tend.pid, resource.RLIMIT_NOFILE, old)
    # descriptors again: tendd answers and the start works
    r = tend.ctl("start", "svc", check=EXIT_OK)
    assert "svc: started" in r.out, r
    assert tend.state("svc") == "RUNNING"


def test_enfile_at_spawn_is_a_failed_start_then_works(tend, monkeypatch):
    """The system's file table is full (ENFILE, from a test fault hook:
    no limit of tendd's own can cause it) when a start makes its pipes:
    a failed start saying so, nothing leaked, and the next start works."""
    if not tendlib.fault_hooks_built():
        pytest.skip("tendd built without --enable-debug (no fault hooks)")
    monkeypatch.setenv("TEND_FAULT", "spawn_pipe:1")
    tend.start("""
        [program:svc]
        command={H}/sleeper
        autostart=false
        startsecs=0
        startretries=0
        stopwaitsecs=1
    """)
    def pipes():
        n = 0
        for fd in os.listdir(f"/proc/{tend.pid}/fd"):
            try:
                n += os.readlink(f"/proc/{tend.pid}/fd/{fd}").startswith(
                    "pipe:")
            except FileNotFoundError:
                pass
        return n
    before = pipes()
    r = tend.ctl("start", "svc")
    assert r.rc != EXIT_OK, r
    rec = tend.wait_state("svc", "FATAL", "BACKOFF")
    assert "Too many open files in system" in tend.log_text(), (rec, r)
    assert not rec.get("pid"), rec
    # (the first spawn makes tendd's spawn kit, kept for good: only
    # pipes would be the failed start's)
    assert pipes() <= before
    r = tend.ctl("start", "svc", check=EXIT_OK)
    assert "svc: started" in r.out, r
    assert tend.state("svc") == "RUNNING"


def test_enfile_at_accept_rests_the_listener_then_serves(tend, monkeypatch):
    """accept() fails with ENFILE (the system's file table full: a test
    fault hook) for a new client: tendd tries its reserve descriptor,
    says so, rests the listener instead of spinning, and the client that
    waited is served once accept() works again."""
    if not tendlib.fault_hooks_built():
        pytest.skip("tendd built without --enable-debug (no fault hooks)")
    # Three failures: the first accept, the one from the reserve, and
    # the first after the listener's rest.
    monkeypatch.setenv("TEND_FAULT", "ctl_accept:3")
    tend.start("""
        [program:svc]
        command={H}/sleeper
        startsecs=0
    """, wait=False)
    tend.wait_until(lambda: tend.ctl("status", "svc").rc == EXIT_OK,
                    what="a status once accept() works again")
    log = tend.log_text()
    assert "accept: Too many open files in system" in log, log
    assert log.count("accept: Too many open files in system") <= 3, log
    assert tend.proc.poll() is None


# --- a service's cgroup removed under tendd -------------------------------

def _cgroup_dir_of(pid):
    """The cgroup2 directory PID is in, or None."""
    rel = None
    with open(f"/proc/{pid}/cgroup") as f:
        for line in f:
            if line.startswith("0::"):
                rel = line[3:].strip()
    if rel is None:
        return None
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, right = line.split(" - ", 1)
            if right.split()[0] == "cgroup2":
                return left.split()[4] + rel
    return None


def test_cgroup_removed_under_tendd(tend):
    tend.start("""
        [program:web]
        command={H}/sleeper
        startsecs=0
        stopwaitsecs=1
    """)
    rec = tend.wait_state("web", "RUNNING")
    st = tend.status_json()["web"]
    if st.get("tracking") != "cgroup":
        pytest.skip("cgroup v2 not usable here")
    pid = rec["pid"]
    cg = _cgroup_dir_of(pid)
    assert cg and cg.endswith("/web"), cg
    parent = os.path.dirname(cg)
    # Move the process out (to tend.PID itself) and remove its cgroup:
    # what an administrator's cleanup script might do.
    with open(os.path.join(parent, "cgroup.procs"), "w") as f:
        f.write(str(pid))
    os.rmdir(cg)
    tend.ctl("status", check=EXIT_OK)
    # tendd still stops it (through its pidfd) and starts it again in a
    # fresh cgroup.
    r = tend.ctl("restart", "web", check=EXIT_OK)
    assert "web: started" in r.out, r
    pid2 = tend.wait_state("web", "RUNNING")["pid"]
    assert pid2 != pid and not tendlib.is_alive(pid)
    assert _cgroup_dir_of(pid2) == cg
    assert tend.alive()


# --- tendd stopped for 10 s while services crash --------------------------

def test_sigstopped_tendd_catches_up_with_crashes(tend):
    tend.start("""
        [program:crash]
        command={H}/crasher 1 300
        process_name=crash_%(process_num)d
        numprocs=5
        startsecs=0
        autorestart=true
        stopwaitsecs=1

        [program:calm]
        command={H}/sleeper
        startsecs=0
        stopwaitsecs=1
    """)
    tend.wait_until(lambda: all(r["spawns"] >= 2 for n, r in
                                tend.status_json().items()
                                if n.startswith("crash")),
                    what="every crasher restarted once")
    before = {n: r["spawns"] for n, r in tend.status_json().items()}
    calm = tend.pid_of("calm")
    os.kill(tend.pid, signal.SIGSTOP)
    try:
        # The crashers die meanwhile: zombies wait for tendd.
        time.sleep(10)  # the fault itself: tendd stopped for 10 s
        zombies = [st for st in all_stats().values()
                   if st.ppid == tend.pid and st.state == "Z"]
        assert len(zombies) >= 5, zombies
    finally:
        os.kill(tend.pid, signal.SIGCONT)
    # It catches up: every crasher restarted again, no zombie stays,
    # the calm service untouched, the control socket answers.
    tend.wait_until(lambda: all(r["spawns"] > before[n] + 1 for n, r in
                                tend.status_json().items()
                                if n.startswith("crash")),
                    what="every crasher restarted after SIGCONT")
    stale = {st.pid for st in zombies}
    tend.wait_until(lambda: not [st for st in all_stats().values()
                                 if st.pid in stale and st.state == "Z"],
                    what="the zombies of the stop reaped")
    assert tend.pid_of("calm") == calm
    assert tend.status_of("calm")["spawns"] == 1


# --- a writer much faster than a stalled tendd -----------------------------

def test_writer_blocked_on_a_stalled_tendd_loses_nothing(tend):
    """64 MiB through the pipe while tendd is stopped twice for 2 s: the
    writer blocks on the full pipe (it is not killed, nothing is dropped),
    and every byte is in the log once tendd runs again."""
    size = 64 * MiB
    tend.start(f"""
        [program:flood]
        command={{H}}/flooder {size}
        startsecs=0
        autorestart=false
        stdout_logfile={{T}}/flood.out
        stdout_logfile_maxbytes=0
    """)
    out = tend.dir / "flood.out"
    for _ in range(2):
        tend.wait_until(lambda: out.exists() and out.stat().st_size > 0,
                        what="the flood flowing")
        os.kill(tend.pid, signal.SIGSTOP)
        try:
            time.sleep(2)  # the fault: tendd reads nothing for 2 s
        finally:
            os.kill(tend.pid, signal.SIGCONT)
    rec = tend.wait_state("flood", "EXITED")
    assert rec["exit"]["code"] == 0, rec
    tend.wait_until(lambda: out.stat().st_size >= size,
                    what=f"{size} bytes in flood.out")
    assert out.stat().st_size == size
    assert tend.status_of("flood")["log_dropped_bytes"] == 0
    # the flooder writes the same 64 KiB block over and over
    with open(out, "rb") as f:
        first = f.read(65536)
        f.seek(0)
        while True:
            block = f.read(65536)
            if not block:
                break
            assert block == first[:len(block)]


# --- a writer faster than a slow (not stalled) tendd ------------------------

# The size the slow-reader test sends: 64 MiB in the check (seconds);
# tests/soak/slow-reader runs the same test with 1 GiB.
SLOW_READER_BYTES = int(os.environ.get("TEND_SLOW_READER_BYTES",
                                       str(64 * MiB)))


def _duty_cycle(pid, stop_s, run_s, done):
    """Make PID a slow process: SIGSTOP it for STOP_S, let it run for
    RUN_S, over and over until DONE is set; it is left running."""
    try:
        while not done.is_set():
            os.kill(pid, signal.SIGSTOP)
            try:
                done.wait(stop_s)
            finally:
                os.kill(pid, signal.SIGCONT)
            done.wait(run_s)
    except ProcessLookupError:
        pass  # tendd died: the test's own waits report it


def test_writer_on_a_slow_tendd_loses_nothing(tend):
    """A service writes SLOW_READER_BYTES of numbered lines
    (seqpattern.py) while tendd runs a fifth of the time (stopped 4 ms,
    running 1 ms, over and over): the writer is held back by the full
    pipe, never cut off; the log holds exactly the stream, byte for
    byte, and status answers all along."""
    size = SLOW_READER_BYTES
    tend.start(f"""
        [program:flood]
        command=/usr/bin/python3 {tendlib.HERE / "seqpattern.py"} {size}
        startsecs=0
        autorestart=false
        stdout_logfile={{T}}/flood.out
        stdout_logfile_maxbytes=0
    """)
    out = tend.dir / "flood.out"
    tend.wait_until(lambda: out.exists() and out.stat().st_size > 0,
                    what="the flood flowing")
    done = threading.Event()
    duty = threading.Thread(target=_duty_cycle,
                            args=(tend.pid, 0.004, 0.001, done))
    duty.start()
    answers = []

    def writer_done():
        # status answers while tendd is slow (each call bounded by
        # tendlib.LIVENESS), RUNNING until the writer has exited
        rec = tend.status_of("flood")
        answers.append(rec["state"])
        assert rec["state"] in ("RUNNING", "EXITED"), rec
        return rec if rec["state"] == "EXITED" else None
    try:
        rec = tend.wait_until(writer_done, timeout=size // MiB,
                              interval=0.05, what="the writer to finish")
    finally:
        done.set()
        duty.join()
    assert answers, "status never answered while tendd was slow"
    assert rec["exit"]["code"] == 0, rec
    tend.wait_until(lambda: out.stat().st_size >= size,
                    what=f"{size} bytes in flood.out")
    assert out.stat().st_size == size
    assert tend.status_of("flood")["log_dropped_bytes"] == 0
    want = hashlib.sha256()
    got = hashlib.sha256()
    with open(out, "rb") as f:
        for off, block in zip(itertools.count(0, seqpattern.BLOCK),
                              seqpattern.blocks(size)):
            have = f.read(len(block))
            if have != block:
                i = next(i for i in range(len(block))
                         if i >= len(have) or have[i] != block[i])
                pytest.fail(f"flood.out differs from the stream at byte "
                            f"{off + i}: {have[i - i % 64:][:64]!r}, "
                            f"expected {block[i - i % 64:][:64]!r}")
            want.update(block)
            got.update(have)
    assert got.hexdigest() == want.hexdigest()


# --- the realtime clock stepped back and forward -----------------------------

def _libfaketime():
    found = sorted(glob.glob("/usr/lib/*/faketime/libfaketime.so.1"))
    return found[0] if found else None


def test_clock_stepped_back_and_forward(tend, tmp_path, monkeypatch):
    """The realtime clock is stepped back an hour, then forward a day
    (NTP at boot on a box without an RTC, `date -s`), under libfaketime so
    that only tendd's view moves.  Durations are monotonic: uptimes keep
    counting from the real start, and a run that exits within startsecs
    is a failed start (BACKOFF) even though the clock says a day passed;
    the startsecs timer itself neither fires early nor waits an hour."""
    lib = _libfaketime()
    if lib is None:
        pytest.skip("libfaketime is not installed (apt-get install "
                    "libfaketime)")
    offset = tmp_path / "faketime"
    offset.write_text("+0\n")
    monkeypatch.setenv("LD_PRELOAD", lib)
    monkeypatch.setenv("FAKETIME_TIMESTAMP_FILE", str(offset))
    monkeypatch.setenv("FAKETIME_NO_CACHE", "1")
    monkeypatch.setenv("FAKETIME_DONT_FAKE_MONOTONIC", "1")
    # An ASan build wants its runtime first; libfaketime comes first here.
    monkeypatch.setenv("ASAN_OPTIONS", ":".join(
        filter(None, [os.environ.get("ASAN_OPTIONS"),
                      "verify_asan_link_order=0"])))
    tend.start("""
        [program:up]
        command={H}/sleeper
        startsecs=0

        [program:quick]
        command=/bin/sh -c 'sleep 4; exit 1'
        startsecs=30
        startretries=5
        autostart=false
    """)
    tend.wait_state("up", "RUNNING")
    t0 = time.monotonic()
    up0 = tend.status_of("up")["uptime"]

    offset.write_text("-3600\n")
    tend.wait_until(lambda: tend.status_of("up")["uptime"] >= up0 + 1,
                    what="up's uptime counts on after a step back")
    rec = tend.status_of("up")
    real = time.monotonic() - t0 + up0
    assert rec["uptime"] <= real + 5, (rec, real)
    # now - start is the uptime on the stepped clock too (XML-RPC's
    # clients compute it so).
    assert abs((rec["now"] - rec["start"]) - rec["uptime"]) <= 2, rec

    tend.ctl("start", "quick", "-t", "1", check=None)
    offset.write_text("+86400\n")
    rec = tend.wait_state("quick", "BACKOFF", "EXITED", timeout=tendlib.LIVENESS)
    assert rec["state"] == "BACKOFF", rec
    assert rec["exit"]["uptime"] < 30, rec
    rec = tend.status_of("up")
    assert rec["uptime"] <= time.monotonic() - t0 + up0 + 5, rec
    assert rec["state"] == "RUNNING", rec
