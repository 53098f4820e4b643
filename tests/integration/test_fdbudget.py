"""The descriptor budget (fdbudget.c): a config whose processes do not fit
in tendd's RLIMIT_NOFILE is refused whole, at start-up, in `tendd -n` and
on a reload, with the need, the limit and the fix named; what fits runs
with one pidfd and its log pipes per process, nothing more (cgroup
directories are opened only when needed, and a cgroup made but never
opened is still removed)."""

import json
import os
import re
import resource
import shutil
import subprocess
from textwrap import dedent

import pytest

import tendlib
from tendlib import EXIT_FAIL, EXIT_OK

PRLIMIT = shutil.which("prlimit")
SETPRIV = shutil.which("setpriv")


def pool(n, extra=""):
    return dedent(f"""
        [program:web]
        command={{H}}/sleeper
        numprocs={n}
        process_name=%(program_name)s_%(process_num)d
        startsecs=0
        stopwaitsecs=1
    """) + dedent(extra)


def limited(nofile, argv):
    """ARGV under a soft and hard RLIMIT_NOFILE of NOFILE, as a user's
    `prlimit --nofile=N tendd ...` (and without CAP_SYS_RESOURCE, which
    would let tendd raise the hard limit)."""
    if PRLIMIT is None:
        pytest.fail("prlimit (util-linux) is needed")
    pre = [SETPRIV, "--bounding-set=-sys_resource", "--"] if SETPRIV else []
    return pre + [PRLIMIT, f"--nofile={nofile}", "--", *argv]


def run_tendd(tend, nofile, *args):
    return tendlib.run(limited(nofile, [str(tendlib.TENDD), *args]),
                       timeout=30, cwd=tend.dir)


@pytest.fixture
def limited_tendd(monkeypatch, tmp_path):
    """Make tend.start() run tendd under a RLIMIT_NOFILE of N: returns
    set(N)."""
    def set_limit(nofile):
        wrapper = tmp_path / "tendd-limited"
        wrapper.write_text("#!/bin/sh\nexec " + " ".join(
            limited(nofile, [str(tendlib.TENDD)])) + ' "$@"\n')
        wrapper.chmod(0o755)
        monkeypatch.setattr(tendlib, "TENDD", wrapper)
    return set_limit


def test_start_is_refused_when_the_processes_do_not_fit(tend):
    tend.write_config(pool(300))
    r = run_tendd(tend, 500, "-c", str(tend.conf))
    assert r.rc == EXIT_FAIL, r
    m = re.search(r"300 processes need (\d+) file descriptors, but the "
                  r"limit is 500 \(hard 500\) and cannot be raised", r.err)
    assert m, r.err
    need = int(m.group(1))
    assert 300 * 2 <= need <= 300 * 3 + 512, need
    for fix in ("ulimit -n", "LimitNOFILE=", "minfds="):
        assert fix in r.err, r.err
    assert "spawned" not in r.out + r.err


def test_check_mode_refuses_the_same_and_passes_with_room(tend):
    tend.write_config(pool(300))
    r = run_tendd(tend, 500, "-n", "-c", str(tend.conf))
    assert r.rc == EXIT_FAIL, r
    assert "300 processes need" in r.err and "limit is 500" in r.err, r.err
    r = run_tendd(tend, 4096, "-n", "-c", str(tend.conf))
    assert r.rc == EXIT_OK, r
    assert "configuration OK" in r.out, r


def need_of(tend, n):
    """The need tendd -n states for a pool of N under a limit of 64."""
    tend.write_config(pool(n))
    r = run_tendd(tend, 64, "-n", "-c", str(tend.conf))
    m = re.search(r"need (\d+) file descriptors", r.err)
    assert m, r
    return int(m.group(1))


def test_everything_runs_at_the_need(tend, limited_tendd):
    """At exactly the stated need, every process runs and none failed
    for lack of descriptors; tendd holds a pidfd and the pipes per
    process, no cgroup directory."""
    n = 40
    need = need_of(tend, n)
    limited_tendd(need)
    # Spawning them all may keep tendd from answering for a while (ASan,
    # fork-like clones copying its page tables): a long liveness bound.
    tend.start(pool(n), wait=False)
    names = [f"web:web_{i}" for i in range(n)]

    def states():
        r = tend.ctl("status", json=True, timeout=60)
        if r.rc not in (EXIT_OK, 3):
            return []
        return [rec["state"] for rec in json.loads(r.out)]
    tend.wait_until(lambda: states() == ["RUNNING"] * n, timeout=120,
                    what=f"{n} processes RUNNING")
    log = tend.log_text()
    assert "Too many open files" not in log, tend.log_tail()
    links = []
    for fd in os.listdir(f"/proc/{tend.pid}/fd"):
        try:
            links.append(os.readlink(f"/proc/{tend.pid}/fd/{fd}"))
        except FileNotFoundError:
            pass
    cg = [t for t in links if "/sys/fs/cgroup" in t and
          any(t.endswith("/" + nm) for nm in names)]
    assert cg == [], cg[:5]
    assert sum("pidfd" in t for t in links) == n
    assert resource.prlimit(tend.pid, resource.RLIMIT_NOFILE)[0] >= need


def test_reload_that_does_not_fit_is_refused(tend, limited_tendd):
    small = need_of(tend, 5)
    limited_tendd(small + 40)
    tend.start(pool(5))
    tend.wait_until(lambda: len(tend.status_json()) == 5 and all(
        s["state"] == "RUNNING" for s in tend.status_json().values()),
        timeout=20, what="5 RUNNING")
    before = {k: v["pid"] for k, v in tend.status_json().items()}
    tend.write_config(pool(200))
    r = tend.ctl("update", check=EXIT_FAIL)
    assert "200 processes need" in r.out + r.err, r
    assert "ulimit -n" in r.out + r.err, r
    after = {k: v["pid"] for k, v in tend.status_json().items()}
    assert after == before
    assert "200 processes need" in tend.log_text()


def _cgroup_base(tend):
    for line in tend.log_text().splitlines():
        m = re.search(r"tracking processes with cgroup v2 under (\S+)", line)
        if m:
            return m.group(1)
    return None


def test_cgroup_made_but_not_opened_is_removed(tend, monkeypatch):
    """A process's cgroup is made, then opening it fails (EMFILE, from a
    test fault hook: counting free descriptors from outside raced with
    tendd's own): the directory must not outlive the process (issue 20,
    defect 2)."""
    if not tendlib.fault_hooks_built():
        pytest.skip("tendd built without --enable-debug (no fault hooks)")
    monkeypatch.setenv("TEND_FAULT", "cgroup_open:1")
    tend.start("""
        [program:web]
        command={H}/sleeper
        startsecs=0

        [program:late]
        command={H}/sleeper
        autostart=false
        startsecs=0
        startretries=0
        autorestart=false
    """)
    base = _cgroup_base(tend)
    if base is None:
        pytest.skip("cgroup v2 not usable here: " + tend.log_tail())
    # web's spawn took the one fault: its cgroup was made, not opened.
    tend.wait_until(lambda: "web: open " in tend.log_text(), timeout=10,
                    what="opening web's cgroup failed")
    tend.wait_state("web", "RUNNING")
    assert tend.status_of("web")["tracking"] == "session"
    tend.ctl("start", "late", check=EXIT_OK)
    assert tend.status_of("late")["tracking"] == "cgroup"
    assert os.path.isdir(os.path.join(base, "web"))
    tend.ctl("stop", "web", check=EXIT_OK)
    tend.write_config("""
        [program:late]
        command={H}/sleeper
        startsecs=0
    """)
    tend.ctl("update", check=EXIT_OK)
    tend.wait_until(lambda: not os.path.exists(os.path.join(base, "web")),
                    timeout=10, what=f"{base}/web removed")
    tend.ctl("shutdown", check=EXIT_OK)
    tend.expect_dead = True
    assert tend.proc.wait(20) == 0
    assert not os.path.exists(base), os.listdir(base)
