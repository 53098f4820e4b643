"""reread / update: a changed config is applied as a diff (removed
programs stop, new ones start, changed ones restart, the rest is left
alone), and a bad config is refused with every FILE:LINE error while the
running set stays exactly as it was."""

import os
import re
import signal
import threading
from textwrap import dedent

import pytest

import tendlib
from tendlib import EXIT_FAIL, EXIT_OK, is_alive

BEFORE = dedent("""
    [program:keep]
    command={H}/sleeper
    startsecs=0
    stopwaitsecs=1

    [program:gone]
    command={H}/sleeper
    startsecs=0
    stopwaitsecs=1

    [program:changed]
    command={H}/sleeper
    startsecs=0
    stopwaitsecs=1
""")
AFTER = dedent("""
    [program:keep]
    command={H}/sleeper
    startsecs=0
    stopwaitsecs=1

    [program:changed]
    command={H}/sleeper --print-env X
    startsecs=0
    stopwaitsecs=1

    [program:new]
    command={H}/sleeper
    startsecs=0
    stopwaitsecs=1
""")


def pids(tend):
    return {n: r.get("pid") for n, r in tend.status_json().items()}


def test_reread_and_update_apply_the_diff(tend):
    tend.start(BEFORE)
    for n in ("keep", "gone", "changed"):
        tend.wait_state(n, "RUNNING")
    before = pids(tend)
    tend.write_config(AFTER)
    r = tend.ctl("reread", check=EXIT_OK)
    lines = r.out.splitlines()
    for want in ("new: available", "gone: disappeared", "changed: changed"):
        assert want in lines, r.out
    # reread alone changes nothing
    assert pids(tend) == before
    tend.ctl("update", check=EXIT_OK)
    tend.wait_state("new", "RUNNING")
    tend.wait_state("changed", "RUNNING")
    after = pids(tend)
    assert set(after) == {"keep", "changed", "new"}, after
    assert after["keep"] == before["keep"], "an unchanged program restarted"
    assert after["changed"] != before["changed"]
    assert not is_alive(before["gone"]) and not is_alive(before["changed"])


def test_bad_reload_is_refused_and_nothing_changes(tend):
    tend.start(BEFORE)
    for n in ("keep", "gone", "changed"):
        tend.wait_state(n, "RUNNING")
    before = tend.status_json()
    tend.write_config(AFTER + dedent("""
        [program:broken]
        command={H}/sleeper
        startsecs=soon
        startretries=-1
    """))
    for verb in ("reread", "update"):
        r = tend.ctl(verb, check=EXIT_FAIL)
        errs = r.out + r.err
        assert f"{tend.conf}:" in errs and "startsecs" in errs \
            and "startretries" in errs, r
    after = tend.status_json()
    assert set(after) == set(before)
    for n in before:
        assert (after[n]["state"], after[n]["pid"]) == \
            (before[n]["state"], before[n]["pid"]), n


# --- per-process diff -------------------------------------------------------

def prog(name, extra=""):
    """One [program:NAME] section (dedented), with the fast settings."""
    return dedent(f"""
        [program:{name}]
        command={{H}}/sleeper
        startsecs=0
        stopwaitsecs=1
    """) + dedent(extra)


def pool(n, extra=""):
    return prog("web", dedent(f"""
        numprocs={n}
        process_name=%(program_name)s_%(process_num)d
    """) + dedent(extra))


def wait_running(tend, *names):
    for n in names:
        tend.wait_state(n, "RUNNING")


def test_unchanged_keep_pid_and_uptime_policy_applies_live(tend):
    tend.start(prog("a") + prog("b", "autorestart=true"))
    wait_running(tend, "a", "b")
    before = tend.status_json()
    # autorestart is policy: it applies without a restart.
    tend.write_config(prog("a") + prog("b", "autorestart=false"))
    r = tend.ctl("reread", check=EXIT_OK)
    assert r.out.splitlines() == ["b: changed (no restart needed)"], r.out
    r = tend.ctl("update", check=EXIT_OK)
    assert r.out.splitlines() == ["b: updated (no restart)"], r.out
    after = tend.status_json()
    for n in ("a", "b"):
        assert after[n]["pid"] == before[n]["pid"], n
        assert after[n]["start"] == before[n]["start"], "uptime was reset"
    # ... and it is in force: b is not restarted when it dies now.
    os.kill(after["b"]["pid"], signal.SIGTERM)
    tend.wait_state("b", "EXITED")
    tend.stays(lambda: tend.state("b") == "EXITED", 0.5, what="b EXITED")
    # Nothing left to apply.
    r = tend.ctl("update", check=EXIT_OK)
    assert r.out.strip() == "No config updates to processes", r.out


@pytest.mark.parametrize("key", ["stop_leftovers=false",
                                 "stdout_capture_maxbytes=1MB"])
def test_every_policy_key_is_reported(tend, key):
    """A policy key a reload applies is reported as changed: once
    stop_leftovers was applied while reread and update said "No config
    updates"."""
    tend.start(prog("a") + prog("b"))
    wait_running(tend, "a", "b")
    before = tend.status_json()
    tend.write_config(prog("a") + prog("b", key))
    r = tend.ctl("reread", check=EXIT_OK)
    assert r.out.splitlines() == ["b: changed (no restart needed)"], r.out
    r = tend.ctl("update", check=EXIT_OK)
    assert r.out.splitlines() == ["b: updated (no restart)"], r.out
    assert tend.status_json()["b"]["pid"] == before["b"]["pid"]


def test_numprocs_up_starts_only_the_new_ones(tend):
    tend.start(pool(2) + prog("other"))
    wait_running(tend, "web:web_0", "web:web_1", "other")
    before = pids(tend)
    tend.write_config(pool(4) + prog("other"))
    r = tend.ctl("update", check=EXIT_OK)
    assert sorted(r.out.splitlines()) == [
        "web:web_2: added and started", "web:web_3: added and started"], r.out
    after = pids(tend)
    assert set(after) == set(before) | {"web:web_2", "web:web_3"}
    for n in before:
        assert after[n] == before[n], n


def test_numprocs_down_stops_only_the_highest(tend):
    tend.start(pool(4) + prog("other"))
    names = [f"web:web_{i}" for i in range(4)]
    wait_running(tend, *names, "other")
    before = pids(tend)
    tend.write_config(pool(2) + prog("other"))
    r = tend.ctl("update", check=EXIT_OK)
    assert sorted(r.out.splitlines()) == [
        "web:web_2: removed", "web:web_3: removed"], r.out
    after = pids(tend)
    assert set(after) == {"web:web_0", "web:web_1", "other"}, after
    for n in after:
        assert after[n] == before[n], n
    assert not is_alive(before["web:web_2"])
    assert not is_alive(before["web:web_3"])


GROUP = dedent("""
    [group:g]
    programs=a,b
""")


def test_group_edit_restarts_only_that_program(tend):
    tend.start(GROUP + prog("a") + prog("b") + prog("c"))
    wait_running(tend, "g:a", "g:b", "c")
    before = pids(tend)
    tend.write_config(GROUP + prog("a") + prog("b", "environment=X=1")
                      + prog("c"))
    r = tend.ctl("reread", check=EXIT_OK)
    assert r.out.splitlines() == ["g:b: changed"], r.out
    r = tend.ctl("update", check=EXIT_OK)
    assert r.out.splitlines() == ["g:b: restarted"], r.out
    after = pids(tend)
    assert after["g:a"] == before["g:a"] and after["c"] == before["c"]
    assert after["g:b"] != before["g:b"] and not is_alive(before["g:b"])


def test_update_names_only_act_on_those(tend):
    tend.start(prog("a") + prog("b"))
    wait_running(tend, "a", "b")
    before = pids(tend)
    tend.write_config(prog("a", "environment=X=1")
                      + prog("b", "environment=X=1") + prog("c"))
    r = tend.ctl("update", "a", "nosuch", check=EXIT_FAIL)
    assert "a: restarted" in r.out.splitlines(), r.out
    assert "nosuch: ERROR (no such process)" in r.out, r.out
    after = pids(tend)
    assert after["b"] == before["b"] and "c" not in after
    # the rest is still pending
    r = tend.ctl("reread", check=EXIT_OK)
    assert sorted(r.out.splitlines()) == ["b: changed", "c: available"]


def test_dry_run_changes_nothing(tend):
    tend.start(BEFORE)
    wait_running(tend, "keep", "gone", "changed")
    before = tend.status_json()
    tend.write_config(AFTER)
    r = tend.ctl("update", "-n", check=EXIT_OK)
    assert sorted(r.out.splitlines()) == [
        "changed: would be restarted", "gone: would be removed",
        "new: would be added and started"], r.out
    after = tend.status_json()
    assert {n: (a["pid"], a["start"]) for n, a in after.items()} == \
        {n: (b["pid"], b["start"]) for n, b in before.items()}


def test_add_and_remove(tend):
    tend.start(prog("a") + prog("b"))
    wait_running(tend, "a", "b")
    before = pids(tend)
    # remove only takes a stopped process, as supervisorctl's does
    # (supervisorctl's words: Ansible's and Salt's modules read them)
    r = tend.ctl("remove", "b", check=EXIT_FAIL)
    assert r.out.splitlines() == ["ERROR: process/group still running: b"], \
        r.out
    tend.ctl("stop", "b", check=EXIT_OK)
    r = tend.ctl("remove", "b", check=EXIT_OK)
    assert r.out.splitlines() == ["b: removed process group"], r.out
    r = tend.ctl("remove", "nosuch", check=EXIT_FAIL)
    assert r.out.splitlines() == ["ERROR: no such process/group: nosuch"], \
        r.out
    assert set(pids(tend)) == {"a"}
    # still in the file: reread offers it, add brings it back
    assert tend.ctl("reread", check=EXIT_OK).out.splitlines() == \
        ["b: available"]
    tend.write_config(prog("a") + prog("b") + prog("c"))
    r = tend.ctl("add", "b", check=EXIT_OK)
    assert r.out.splitlines() == ["b: added process group"], r.out
    r = tend.ctl("add", "a", check=EXIT_FAIL)
    assert r.out.splitlines() == ["ERROR: process group already active"], \
        r.out
    after = pids(tend)
    assert set(after) == {"a", "b"} and after["a"] == before["a"]


def test_bad_key_in_included_file_refused_on_reload(tend):
    inc = tend.dir / "more.ini"
    inc.write_text(tend.subst(prog("extra")))
    tend.start(BEFORE + dedent("""
        [include]
        files=more.ini
    """))
    wait_running(tend, "keep", "gone", "changed", "extra")
    before = tend.status_json()
    inc.write_text(tend.subst(prog("extra", "stopsignal=NOPE\n")
                              + prog("extra2", "startretries=-1\n")))
    r = tend.ctl("reload", check=EXIT_FAIL)
    errs = r.out + r.err
    assert f"{inc}:" in errs and "stopsignal" in errs \
        and "startretries" in errs, r
    assert "nothing changed" in r.err, r
    assert "stopsignal" in tend.log_text()
    after = tend.status_json()
    for n in before:
        assert (after[n]["state"], after[n]["pid"], after[n]["start"]) == \
            (before[n]["state"], before[n]["pid"], before[n]["start"]), n
    # the config kept for future restarts is the old one, too
    tend.ctl("restart", "extra", check=EXIT_OK)
    assert tend.state("extra") == "RUNNING"


def test_sighup_reloads(tend):
    tend.start(BEFORE)
    wait_running(tend, "keep", "gone", "changed")
    before = pids(tend)
    tend.write_config(AFTER)
    os.kill(tend.pid, signal.SIGHUP)
    tend.wait_until(lambda: set(pids(tend)) == {"keep", "changed", "new"},
                    what="the reload to apply")
    tend.wait_state("changed", "RUNNING")
    tend.wait_state("new", "RUNNING")
    after = pids(tend)
    assert after["keep"] == before["keep"]
    assert after["changed"] != before["changed"]


def test_reload_while_backoff_and_stopping(tend):
    tend.start(prog("keep") + dedent("""
        [program:flaky]
        command={H}/crasher 1 100
        startsecs=5
        startretries=100
        [program:slow]
        command={H}/ignoreterm
        startsecs=0
        stopwaitsecs=3
    """))
    wait_running(tend, "keep", "slow")
    tend.wait_state("flaky", "BACKOFF")
    keep = tend.pid_of("keep")
    slow = tend.pid_of("slow")
    # slow ignores SIGTERM: its stop takes stopwaitsecs
    tend.ctl("signal", "TERM", "slow", check=EXIT_OK)
    tend.write_config(prog("keep") + prog("flaky") + dedent("""
        [program:slow]
        command={H}/ignoreterm
        startsecs=0
        stopwaitsecs=1
        stopsignal=INT
    """))
    r = tend.ctl("update", check=EXIT_OK, timeout=20)
    assert sorted(r.out.splitlines()) == [
        "flaky: restarted", "slow: restarted"], r.out
    assert tend.pid_of("keep") == keep
    assert tend.pid_of("slow") != slow and not is_alive(slow)
    assert tend.state("flaky") == "RUNNING"


# --- rolling restart ----------------------------------------------------------

ROLL = dedent("""
    [program:web]
    command={H}/sleeper
    numprocs=3
    process_name=%(program_name)s_%(process_num)d
    startsecs=1
    stopwaitsecs=1
""")


def test_rolling_restart_one_at_a_time(tend):
    tend.start(ROLL + prog("other"))
    names = [f"web:web_{i}" for i in range(3)]
    wait_running(tend, *names, "other")
    before = pids(tend)
    mark = len(tend.log_text())
    r = tend.ctl("restart", "--rolling", "web", check=EXIT_OK, timeout=30)
    assert r.out.splitlines() == [f"{n}: restarted" for n in names], r.out
    after = pids(tend)
    for n in names:
        assert after[n] != before[n] and not is_alive(before[n]), n
    assert after["other"] == before["other"]
    # The pool kept serving: each stop came after the previous
    # replacement was RUNNING, so at most one was ever down.
    log = tend.log_text()[mark:].splitlines()

    def at(pattern):
        idx = [i for i, line in enumerate(log) if pattern in line]
        assert idx, f"{pattern!r} not in the log:\n" + "\n".join(log)
        return idx[0]
    for prev, nxt in zip(names, names[1:]):
        assert at(f"success: {prev} entered RUNNING") < \
            at(f"waiting for {nxt} to stop"), "\n".join(log)


def test_rolling_restart_n_at_a_time(tend):
    tend.start(pool(4, "autorestart=true\n"))
    names = [f"web:web_{i}" for i in range(4)]
    wait_running(tend, *names)
    before = pids(tend)
    r = tend.ctl("restart", "--rolling", "-N", "2", "web:*", check=EXIT_OK,
                 timeout=30)
    assert sorted(r.out.splitlines()) == [f"{n}: restarted" for n in names]
    after = pids(tend)
    assert all(after[n] != before[n] for n in names)


def test_rolling_restart_stops_at_a_failed_replacement(tend):
    flag = tend.dir / "fail"
    tend.start(dedent("""
        [program:web]
        command=/bin/sh -c 'test -e {T}/fail && exit 3; exec {H}/sleeper'
        numprocs=3
        process_name=%(program_name)s_%(process_num)d
        startsecs=1
        startretries=0
        stopwaitsecs=1
    """))
    names = [f"web:web_{i}" for i in range(3)]
    wait_running(tend, *names)
    before = pids(tend)
    flag.write_text("")
    r = tend.ctl("restart", "--rolling", "web", check=EXIT_FAIL, timeout=30)
    lines = r.out.splitlines()
    assert lines[0].startswith("web:web_0: ERROR"), r.out
    assert lines[1:] == [
        "web:web_1: ERROR (not restarted: an earlier replacement failed)",
        "web:web_2: ERROR (not restarted: an earlier replacement failed)"], \
        r.out
    after = pids(tend)
    assert after["web:web_1"] == before["web:web_1"]
    assert after["web:web_2"] == before["web:web_2"]


def test_global_settings_not_applied_are_reported(tend):
    tend.start(prog("a"))
    pid = tend.wait_state("a", "RUNNING")["pid"]
    tend.write_config(prog("a"), extra="umask=077")
    r = tend.ctl("reload", check=EXIT_OK)
    assert "umask: changed from 022 to 077; takes effect when tendd " \
        "restarts" in r.err, r
    assert r.out.strip() == "No config updates to processes", r.out
    assert "umask: changed" in tend.log_text()
    assert tend.pid_of("a") == pid


def test_log_rotation_sizes_apply_without_restart(tend):
    """stdout_logfile_maxbytes/backups are policy: a reload applies them to
    the running capture (the next rotation uses them), the pid stays."""
    def talker(maxbytes):
        return dedent(f"""
            [program:talker]
            command=/bin/sh -c 'while :; do echo 0123456789abcdef; sleep 0.01; done'
            startsecs=0
            stopwaitsecs=1
            stdout_logfile={{D}}/talker.log
            stdout_logfile_maxbytes={maxbytes}
            stdout_logfile_backups=2
        """).replace("{D}", str(tend.dir))
    tend.start(talker("10MB"))
    tend.wait_state("talker", "RUNNING")
    pid = tend.pid_of("talker")
    backup = tend.dir / "talker.log.1"
    tend.stays(lambda: not backup.exists(), 0.3, what="no rotation at 10MB")
    tend.write_config(talker("1KB"))
    r = tend.ctl("update", check=EXIT_OK)
    assert r.out.splitlines() == ["talker: updated (no restart)"], r.out
    # The first rotation at 1KB moves what was written under 10MB, which
    # on a slow machine is already over 1KB by the update; the second
    # moves only what was written under 1KB: no more than that.
    tend.wait_until((tend.dir / "talker.log.2").exists, timeout=10,
                    what="two rotations at 1KB")
    assert tend.pid_of("talker") == pid, "the process was restarted"
    assert os.path.getsize(backup) <= 1024


@pytest.mark.parametrize("to", [6, 14])
def test_rolling_restart_follows_a_reload_that_resizes_the_pool(tend, to):
    """A reload to numprocs=TO lands while `restart --rolling 'web:*'`
    walks a pool of 10: the job's steps follow it both ways.  Removed
    members are reported as removed (no failure, no "an earlier
    replacement failed"); members the reload adds join the job and are
    restarted in their turn; every member still configured is restarted
    exactly once, and the job succeeds."""
    tend.start(pool(10, "startsecs=1\n"))
    names = [f"web:web_{i}" for i in range(max(10, to))]
    kept, gone, added = names[:min(10, to)], names[to:10], names[10:to]
    wait_running(tend, *names[:10])
    before = pids(tend)
    mark = len(tend.log_text())
    result = {}

    def rolling():
        result["r"] = tend.ctl("restart", "--rolling", "web:*", timeout=120)
    t = threading.Thread(target=rolling, daemon=True)
    t.start()
    # Reload once the first replacement is up and the second is under way.
    tend.wait_until(lambda: tend.pid_of("web:web_0") != before["web:web_0"]
                    and tend.state("web:web_0") == "RUNNING",
                    timeout=30, what="web_0 replaced")
    tend.write_config(pool(to, "startsecs=1\n"))
    r = tend.ctl("update", check=EXIT_OK, timeout=30)
    assert sorted(r.out.splitlines()) == sorted(
        [f"{n}: removed" for n in gone] +
        [f"{n}: added and started" for n in added]), r.out
    t.join(120)
    assert not t.is_alive(), "the rolling restart never finished"
    r = result["r"]
    assert r.rc == EXIT_OK, (r, tend.log_tail())
    assert r.err == "", r
    assert sorted(r.out.splitlines()) == sorted(
        [f"{n}: restarted" for n in kept + added] +
        [f"{n}: removed" for n in gone]), r.out
    after = pids(tend)
    assert set(after) == set(kept + added), after
    log = tend.log_text()[mark:]
    for n in kept:
        assert after[n] != before[n] and not is_alive(before[n]), n
        assert log.count(f"spawned: '{n}' ") == 1, (n, log)
    # An added member: started by the update, then restarted once.
    for n in added:
        assert log.count(f"spawned: '{n}' ") == 2, (n, log)
        assert tend.state(n) == "RUNNING", n
    for n in gone:
        assert f"spawned: '{n}' " not in log, (n, log)
        assert not is_alive(before[n]), n


def held_pool(n):
    """A pool of N notify services; one whose {T}/hold-NAME file exists
    never sends READY=1, so it stays STARTING."""
    return dedent(f"""
        [program:web]
        command=/bin/sh -c 'if [ -e {{T}}/hold-$SUPERVISOR_PROCESS_NAME ]; then exec {{H}}/sleeper; fi; exec {{H}}/notifyready 0'
        readiness=notify
        readiness_timeout=600
        stopwaitsecs=1
        numprocs={n}
        process_name=%(program_name)s_%(process_num)d
    """)


def test_rolling_restart_member_removed_during_its_own_start(tend):
    """A reload removes the pool member whose replacement is STARTING
    right now: that step is reported as removed, not as a start that
    "became STOPPING before RUNNING" (seen once under ASan in the test
    above), and the job succeeds."""
    tend.start(held_pool(2))
    wait_running(tend, "web:web_0", "web:web_1")
    before = pids(tend)
    (tend.dir / "hold-web_1").write_text("")
    result = {}

    def rolling():
        result["r"] = tend.ctl("restart", "--rolling", "web:*", timeout=120)
    t = threading.Thread(target=rolling, daemon=True)
    t.start()
    tend.wait_until(lambda: tend.pid_of("web:web_1") not in
                    (0, None, before["web:web_1"])
                    and tend.state("web:web_1") == "STARTING",
                    what="web_1's replacement STARTING (held)")
    tend.write_config(held_pool(1))
    r = tend.ctl("update", check=EXIT_OK, timeout=60)
    assert r.out.splitlines() == ["web:web_1: removed"], r.out
    t.join(tendlib.live(120))
    assert not t.is_alive(), "the rolling restart never finished"
    r = result["r"]
    assert sorted(r.out.splitlines()) == [
        "web:web_0: restarted", "web:web_1: removed"], r
    assert r.rc == EXIT_OK and r.err == "", r
    assert tend.pid_of("web:web_0") != before["web:web_0"]


def test_reload_that_cannot_apply_changes_nothing(tend, monkeypatch):
    """The process table's apply runs out of memory (a test fault hook):
    the client hears the reload failed, and the running set, the config
    and its globals are exactly as before; the next update applies it."""
    if not tendlib.fault_hooks_built():
        pytest.skip("tendd built without --enable-debug (no fault hooks)")
    monkeypatch.setenv("TEND_FAULT", "svctab_apply:1")
    tend.start(prog("keep") + prog("changed"))
    wait_running(tend, "keep", "changed")
    before = pids(tend)
    gen = config_generation(tend)
    tend.write_config(prog("keep") + prog("changed", "environment=X=1\n") +
                      prog("new"), extra="umask=077")
    r = tend.ctl("update", check=EXIT_FAIL)
    assert "out of memory; nothing changed" in r.err, r
    assert "added" not in r.out and "restarted" not in r.out, r
    tend.stays(lambda: pids(tend) == before, 0.5, what="nothing changed")
    assert config_generation(tend) == gen
    # The old config is still the one in force: the diff and the global
    # setting are still ahead.
    r = tend.ctl("reread", check=EXIT_OK)
    assert sorted(r.out.splitlines()) == [
        "changed: changed", "new: available"], r
    assert "umask: changed from 022 to 077" in r.err, r
    # The fault was a one-off: the next update applies it all.
    r = tend.ctl("update", check=EXIT_OK)
    assert sorted(r.out.splitlines()) == [
        "changed: restarted", "new: added and started"], r
    assert tend.pid_of("keep") == before["keep"]
    assert config_generation(tend) == gen + 1


def config_generation(tend):
    out = tend.ctl("metrics", check=EXIT_OK).out
    m = re.search(r"^tend_config_generation (\d+)$", out, re.M)
    assert m, out
    return int(m.group(1))


def test_update_blocked_by_a_dependency_names_it(tend):
    """An update restarts app, whose dependency is FATAL: the result says
    why, as start does, not only that it ended STOPPED."""
    tend.start(dedent("""
        [program:db]
        command=/bin/false
        startsecs=1
        startretries=0
    """) + prog("app", "depends_on=db\n"))
    tend.wait_state("db", "FATAL")
    tend.wait_state("app", "STOPPED")
    tend.write_config(dedent("""
        [program:db]
        command=/bin/false
        startsecs=1
        startretries=0
    """) + prog("app", "depends_on=db\nenvironment=X=1\n"))
    r = tend.ctl("update", check=EXIT_FAIL)
    assert r.out.splitlines() == ["app: ERROR (abnormal termination)"], r
    assert "app: dependency db is FATAL" in r.err, r
    r = tend.ctl("start", "app", check=EXIT_FAIL)
    assert "app: dependency db is FATAL" in r.err, r
