"""[supervisord] user= (issue 18): tendd, started as root, gives up root
once its sockets are bound and its cgroups made, before any process
starts, as supervisord does (options.py drop_privileges: the user's
groups, then the gid, then the uid); not root, it refuses another user."""

import os
import pwd
import shutil
import tempfile

import pytest

import tendlib
from tendlib import TENDD, run

pytestmark = pytest.mark.skipif(os.getuid() != 0, reason="needs root")

NOBODY = pwd.getpwnam("nobody")


def ids(pid):
    """(real, effective, saved, fs) uids and gids and groups of PID."""
    st = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            st[k] = v.split()
    return st["Uid"], st["Gid"], st["Groups"]


def test_tendd_runs_as_user_and_so_do_its_services(tend):
    tend.start("""
        [program:a]
        command={H}/sleeper
        startsecs=0
        stopwaitsecs=5
        stdout_logfile=NONE
        stderr_logfile=NONE
    """, extra="user=nobody")
    tend.wait_state("a", "RUNNING")
    want = [str(NOBODY.pw_uid)] * 4
    uid, gid, _ = ids(tend.pid)
    assert uid == want and gid == [str(NOBODY.pw_gid)] * 4
    assert ids(tend.pid_of("a"))[0] == want
    with open(f"/proc/{tend.pid}/status") as f:
        cap = [ln for ln in f if ln.startswith("CapEff:")][0]
    assert int(cap.split()[1], 16) == 0, cap
    assert "set uid to user nobody (uid 65534, gid 65534) succeeded" in \
        tend.log_text()
    # status, restart and stop work as the user, in the same tracking
    # mode for the new process (a delegated cgroup or sessions)
    mode = tend.status_json("a")["a"]["tracking"]
    old = tend.pid_of("a")
    tend.ctl("restart", "a")
    tend.wait_state("a", "RUNNING")
    assert tend.pid_of("a") != old
    assert ids(tend.pid_of("a"))[0] == want
    assert tend.status_json("a")["a"]["tracking"] == mode
    tend.ctl("stop", "a")
    tend.wait_state("a", "STOPPED")


def test_not_root_refuses_another_user():
    d = tempfile.mkdtemp(prefix="tend-pd-", dir="/tmp")
    try:
        os.chmod(d, 0o755)
        conf = os.path.join(d, "p.conf")
        with open(conf, "w") as f:
            f.write(f"[unix_http_server]\nfile={d}/s.sock\n"
                    "[supervisord]\nuser=daemon\n"
                    "[program:a]\ncommand=/bin/sleep 100\n")
        r = run(["setpriv", f"--reuid={NOBODY.pw_uid}",
                 f"--regid={NOBODY.pw_gid}", "--clear-groups", "--",
                 TENDD, "-c", conf])
        assert r.rc == 1, r
        assert ("user=daemon: tendd runs as uid 65534, not as root, and "
                "cannot become another user") in r.err, r
    finally:
        shutil.rmtree(d)


def test_n_checks_the_user_exists(tmp_path):
    conf = tmp_path / "p.conf"
    conf.write_text("[supervisord]\nuser=no-such-user-here\n"
                    "[program:a]\ncommand=/bin/sleep 1\n")
    r = run([TENDD, "-n", "-c", conf])
    assert r.rc == 1, r
    assert f"{conf}:2: user: unknown user 'no-such-user-here'" in r.err, r
    conf.write_text("[supervisord]\nuser=nobody\n"
                    "[program:a]\ncommand=/bin/sleep 1\n")
    r = run([TENDD, "-n", "-v", "-c", conf])
    assert r.rc == 0, r
    assert "    user                      nobody (uid 65534, gid 65534)\n" \
        in r.out, r.out


def test_user_of_tendd_itself_changes_nothing(tend):
    tend.start("""
        [program:a]
        command={H}/sleeper
        startsecs=0
    """, extra="user=root")
    tend.wait_state("a", "RUNNING")
    assert ids(tend.pid)[0] == ["0"] * 4
