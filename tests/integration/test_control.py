"""start / stop / restart / signal with every argument form (NAME,
GROUP:NAME, GROUP:*, a bare group name, all), numprocs pools, and the
action results tendctl prints ("web: started", "... ERROR (...)").

The cases are tables: (arguments, the processes they must affect).  Every
case also checks that the processes it must NOT affect kept their state and
pid (the negative control for over-matching)."""

import signal
import time

import pytest

from tendlib import EXIT_FAIL, EXIT_OK, UPTIME_RE, is_alive

ALL = ["web", "grp:a", "grp:b", "pool:pool_00", "pool:pool_01",
       "pool:pool_02"]


def config(autostart):
    a = "true" if autostart else "false"
    return f"""
        [program:web]
        command={{H}}/sleeper
        autostart={a}
        startsecs=0
        stopwaitsecs=1

        [group:grp]
        programs=a,b

        [program:a]
        command={{H}}/sleeper
        autostart={a}
        startsecs=0
        stopwaitsecs=1

        [program:b]
        command={{H}}/sleeper
        autostart={a}
        startsecs=0
        stopwaitsecs=1

        [program:pool]
        command={{H}}/sleeper
        process_name=%(program_name)s_%(process_num)02d
        numprocs=3
        autostart={a}
        startsecs=0
        stopwaitsecs=1
    """


SELECT = [
    (["web"], ["web"]),
    (["grp:a"], ["grp:a"]),
    (["grp:*"], ["grp:a", "grp:b"]),
    (["grp"], ["grp:a", "grp:b"]),
    (["pool:pool_01"], ["pool:pool_01"]),
    (["pool:*"], ["pool:pool_00", "pool:pool_01", "pool:pool_02"]),
    (["pool"], ["pool:pool_00", "pool:pool_01", "pool:pool_02"]),
    (["all"], ALL),
    (["web", "grp:b", "pool:pool_02"], ["web", "grp:b", "pool:pool_02"]),
]
IDS = ["+".join(a) for a, _ in SELECT]


def snapshot(tend):
    return {n: (r["state"], r.get("pid")) for n, r in
            tend.status_json().items()}


def test_pool_names(tend):
    tend.start(config(autostart=True))
    procs = tend.wait_all("RUNNING")
    assert sorted(procs) == sorted(ALL)
    for n in ("pool:pool_00", "pool:pool_01", "pool:pool_02"):
        assert procs[n]["group"] == "pool"
        assert procs[n]["name"] == n.split(":")[1]
    pids = [procs[n]["pid"] for n in ALL]
    assert len(set(pids)) == len(ALL), f"pids not distinct: {pids}"
    rc, lines, out = tend.status_text()
    assert rc == EXIT_OK
    assert sorted(lines) == sorted(ALL), out
    for n in ALL:
        assert UPTIME_RE.match(lines[n][1]), lines[n]


@pytest.mark.parametrize("args,hit", SELECT, ids=IDS)
def test_start_forms(tend, args, hit):
    tend.start(config(autostart=False))
    r = tend.ctl("start", *args, check=EXIT_OK)
    for n in hit:
        assert f"{n}: started" in r.out.splitlines(), r.out
    snap = snapshot(tend)
    for n in ALL:
        if n in hit:
            assert snap[n][0] == "RUNNING", (n, snap)
            assert is_alive(snap[n][1]), (n, snap)
        else:
            assert snap[n] == ("STOPPED", 0) or (
                snap[n][0] == "STOPPED" and not snap[n][1]), (n, snap)


@pytest.mark.parametrize("args,hit", SELECT, ids=IDS)
def test_stop_forms(tend, args, hit):
    tend.start(config(autostart=True))
    tend.wait_all("RUNNING")
    before = snapshot(tend)
    r = tend.ctl("stop", *args, check=EXIT_OK)
    for n in hit:
        assert f"{n}: stopped" in r.out.splitlines(), r.out
    snap = snapshot(tend)
    for n in ALL:
        if n in hit:
            assert snap[n][0] == "STOPPED", (n, snap)
            assert not is_alive(before[n][1]), (n, before[n])
        else:
            assert snap[n] == before[n], (n, before[n], snap[n])


@pytest.mark.parametrize("args,hit", SELECT, ids=IDS)
def test_restart_forms(tend, args, hit):
    tend.start(config(autostart=True))
    tend.wait_all("RUNNING")
    before = snapshot(tend)
    r = tend.ctl("restart", *args, check=EXIT_OK)
    lines = r.out.splitlines()
    for n in hit:
        assert f"{n}: stopped" in lines and f"{n}: started" in lines, r.out
    snap = snapshot(tend)
    for n in ALL:
        if n in hit:
            assert snap[n][0] == "RUNNING", (n, snap)
            assert snap[n][1] != before[n][1], f"{n}: same pid after restart"
            assert not is_alive(before[n][1])
        else:
            assert snap[n] == before[n], (n, before[n], snap[n])


def test_start_already_started_and_stop_not_running(tend):
    tend.start(config(autostart=False))
    tend.ctl("start", "web", check=EXIT_OK)
    pid = tend.pid_of("web")
    r = tend.ctl("start", "web")
    assert "web: ERROR (already started)" in r.out + r.err, r
    assert tend.pid_of("web") == pid
    r = tend.ctl("stop", "grp:a")
    assert "grp:a: ERROR (not running)" in r.out + r.err, r
    assert tend.state("grp:a") == "STOPPED"


def test_start_waits_for_startsecs(tend):
    """supervisorctl's start returns once the process is RUNNING, i.e.
    after startsecs."""
    tend.start("""
        [program:slow]
        command={H}/sleeper
        autostart=false
        startsecs=1
        stopwaitsecs=1
    """)
    t0 = time.monotonic()
    r = tend.ctl("start", "slow", check=EXIT_OK)
    took = time.monotonic() - t0
    assert "slow: started" in r.out
    assert took >= 0.9, f"start returned after {took:.2f} s < startsecs"
    assert tend.state("slow") == "RUNNING"


def test_start_of_failing_process_is_an_error(tend):
    """A process that dies before startsecs: start fails with exit 1.
    (It dies at once; startsecs only has to outlast its start on a
    loaded machine: with 1 s, an ASan run at load 25 saw it "started".)"""
    tend.start("""
        [program:bad]
        command={H}/crasher 3
        autostart=false
        startsecs=30
        startretries=0
    """)
    r = tend.ctl("start", "bad")
    assert r.rc == EXIT_FAIL, r
    assert "bad: ERROR" in r.out + r.err, r
    assert tend.state("bad") in ("BACKOFF", "FATAL")


def test_signal_hup_and_usr1(tend):
    tend.start("""
        [program:one]
        command={H}/sleeper
        startsecs=0
        autorestart=false

        [program:two]
        command={H}/sleeper
        startsecs=0
        autorestart=false

        [program:deaf]
        command={H}/ignoreterm
        startsecs=0
        stopwaitsecs=1
    """)
    for n in ("one", "two", "deaf"):
        tend.wait_state(n, "RUNNING")
    deaf_pid = tend.pid_of("deaf")
    r = tend.ctl("signal", "HUP", "one", check=EXIT_OK)
    assert "one: signalled" in r.out, r
    rec = tend.wait_state("one", "EXITED")
    assert rec["exit"]["signal"] == signal.SIGHUP, rec
    # supervisorctl's habit (Ansible's module runs it so): the verb and
    # the signal in one argument.
    r = tend.ctl("signal USR1", "two", check=EXIT_OK)
    assert r.out.splitlines() == ["two: signalled"], r
    rec = tend.wait_state("two", "EXITED")
    assert rec["exit"]["signal"] == signal.SIGUSR1, rec
    # Negative control: ignoreterm ignores TERM and stays RUNNING.
    tend.ctl("signal", "TERM", "deaf", check=EXIT_OK)
    tend.stays(lambda: tend.status_of("deaf")["pid"] == deaf_pid
               and tend.state("deaf") == "RUNNING", 0.5,
               what="deaf RUNNING with its pid")
    # Signalling a process that is not running fails.
    r = tend.ctl("signal", "HUP", "one")
    assert r.rc == EXIT_FAIL, r
    assert "one: ERROR (not running)" in r.out + r.err, r
    r = tend.ctl("signal", "NOSUCHSIG", "deaf")
    assert r.rc in (EXIT_FAIL, 2), r
    assert "deaf: ERROR (bad signal name)" in r.out + r.err, r


def test_numprocs_start(tend):
    tend.start("""
        [program:pool]
        command={H}/sleeper
        process_name=%(program_name)s_%(process_num)02d
        numprocs=2
        numprocs_start=5
        autostart=false
    """)
    assert sorted(tend.status_json()) == ["pool:pool_05", "pool:pool_06"]
