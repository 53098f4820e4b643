"""What spawn.c hands a process, whichever way it was cloned (sharing
tendd's memory, or as fork does): default signal dispositions and an empty
mask whatever tendd inherited, only fds 0, 1 and 2 (stdin /dev/null), its
own output pipes when many start at once, and exec failures reported."""

import os
import signal

import tendlib
from tendlib import proc_status_field

N = 24


def test_signals_and_fds_are_reset(tend):
    """tendd inherits an ignored SIGQUIT and a blocked SIGUSR1, ignores
    SIGPIPE itself and catches SIGTERM and others: its services see none
    of it, and hold nothing of tendd's but what they were given."""
    old_quit = signal.signal(signal.SIGQUIT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
    try:
        tend.start(f"""
            [program:plain]
            command=/bin/sleep 1000
            process_name=%(program_name)s_%(process_num)02d
            numprocs={N}
            startsecs=0
            stopwaitsecs=1
        """)
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGUSR1})
        signal.signal(signal.SIGQUIT, old_quit)
    zero = ["0" * 16]
    assert proc_status_field(tend.pid, "SigIgn") != zero, \
        "tendd did not inherit the ignored SIGQUIT: the test proves nothing"
    procs = tend.wait_all("RUNNING")
    assert len(procs) == N
    for name, rec in procs.items():
        pid = rec["pid"]
        for field in ("SigIgn", "SigBlk", "SigCgt"):
            assert proc_status_field(pid, field) == zero, \
                f"{name} (pid {pid}): {field} " \
                f"{proc_status_field(pid, field)}"
        # The dynamic loader of the new image holds libc.so.6 open for a
        # moment after the exec: an fd inherited from tendd never goes.
        def only_012():
            return sorted(int(fd)
                          for fd in os.listdir(f"/proc/{pid}/fd")) == [0, 1, 2]
        if not tendlib.poll(only_012, timeout=tendlib.LIVENESS):
            fds = sorted(int(fd) for fd in os.listdir(f"/proc/{pid}/fd"))
            raise AssertionError(
                f"{name} (pid {pid}) holds fds {fds}: " + ", ".join(
                    os.readlink(f"/proc/{pid}/fd/{fd}") for fd in fds))
        assert os.readlink(f"/proc/{pid}/fd/0") == "/dev/null"


def test_each_process_writes_to_its_own_pipes(tend):
    """Started in one burst, every process's stdout and stderr reach its
    own log files, and nothing else's."""
    tend.start(f"""
        [program:talk]
        command=/bin/sh -c 'echo "out $SUPERVISOR_PROCESS_NAME"; echo "err $SUPERVISOR_PROCESS_NAME" >&2; exec /bin/sleep 1000'
        process_name=%(program_name)s_%(process_num)02d
        numprocs={N}
        startsecs=0
        stopwaitsecs=1
        stdout_logfile={{T}}/%(process_num)02d.out
        stderr_logfile={{T}}/%(process_num)02d.err
    """)
    tend.wait_all("RUNNING")

    def logs():
        got = {}
        for i in range(N):
            for kind in ("out", "err"):
                path = tend.dir / f"{i:02d}.{kind}"
                text = path.read_text() if path.exists() else ""
                if not text.endswith("\n"):
                    return None
                got[(i, kind)] = text
        return got
    got = tend.wait_until(logs, what="every log line")
    for (i, kind), text in got.items():
        assert text == f"{kind} talk_{i:02d}\n", f"{i:02d}.{kind}: {text!r}"


def test_exec_failures_in_a_burst_are_reported(tend):
    """Many failing execs at once: each is a spawn error naming the
    command, and tendd carries on."""
    tend.start(f"""
        [program:ghost]
        command={{T}}/no-such-command
        process_name=%(program_name)s_%(process_num)02d
        numprocs={N}
        startsecs=0
        startretries=0

        [program:ok]
        command=/bin/sleep 1000
        startsecs=0
        stopwaitsecs=1
    """)
    for i in range(N):
        rec = tend.wait_state(f"ghost:ghost_{i:02d}", "FATAL", timeout=10)
        text = rec["description"] + " " + (rec.get("spawnerr") or "")
        assert "no-such-command" in text and \
            "No such file or directory" in text, rec
    assert tend.state("ok") == "RUNNING"


def test_spawn_way_is_the_one_asked(tend):
    """TEND_SPAWN=fork (tests/integration/spawn-fork.sh runs this file
    so) makes every child a fork-like clone, and tendd says so once."""
    tend.start("""
        [program:one]
        command={H}/sleeper
        startsecs=0
    """)
    tend.wait_state("one", "RUNNING")
    said = tend.log_text().count("TEND_SPAWN=fork: children are cloned")
    assert said == (1 if os.environ.get("TEND_SPAWN") == "fork" else 0), \
        tend.log_tail()
