"""What a process is started with: environment (SUPERVISOR_*, environment=,
environment_file, [supervisord] environment, interpolation), directory,
umask and user.  tests/helpers/sleeper prints it all to stdout:
"pid N", "VAR=value" / "VAR unset", "cwd D", "umask 0NNN", "uid N",
"gid N"."""

import os
import pwd
import re

import pytest

from tendlib import TENDD, proc_status_field, run


def sleeper_report(tend, path, pid):
    """Wait for sleeper's report in PATH from process PID; as a dict."""
    def report():
        if not path.exists():
            return None
        lines = path.read_text().splitlines()
        if f"pid {pid}" not in lines or not any(
                line.startswith("gid ") for line in lines):
            return None
        start = lines.index(f"pid {pid}")
        out = {"pid": str(pid)}
        for line in lines[start + 1:]:
            if line.startswith("pid "):
                break
            if "=" in line and " " not in line.split("=", 1)[0]:
                k, v = line.split("=", 1)
                out[k] = v
            elif line.endswith(" unset"):
                out[line[:-len(" unset")]] = None
            else:
                k, _, v = line.partition(" ")
                out[k] = v
        return out
    return tend.wait_until(report, what=f"sleeper report in {path}")


# Two programs, from when tend refused config lines over 199 bytes.
VARS1 = ("SUPERVISOR_ENABLED SUPERVISOR_PROCESS_NAME SUPERVISOR_GROUP_NAME "
         "SUPERVISOR_SERVER_URL NOTSET")
VARS2 = "FOO BAR QUOTED FILEVAR FILEQ GLOBALVAR HERE NAMES"


def test_environment_reaches_the_process(tend):
    (tend.dir / "wd").mkdir()
    (tend.dir / "envfile").write_text("FILEVAR=fromfile\nFILEQ=two words\n")
    tend.start(f"""
        [group:g]
        programs=envtest,envtest2

        [program:envtest]
        command={{H}}/sleeper --print-env {VARS1}
        environment=FOO="bar baz",BAR=2,QUOTED="a,b",HERE="%(here)s",
            NAMES="%(program_name)s/%(group_name)s/%(process_num)d"
        environment_file={{T}}/envfile
        directory={{T}}/wd
        umask=027
        stdout_logfile={{T}}/env.out
        startsecs=0
        stopwaitsecs=1

        [program:envtest2]
        command={{H}}/sleeper --print-env {VARS2}
        environment=FOO="bar baz",BAR=2,QUOTED="a,b",HERE="%(here)s",
            NAMES="%(program_name)s/%(group_name)s/%(process_num)d"
        environment_file={{T}}/envfile
        stdout_logfile={{T}}/env2.out
        startsecs=0
        stopwaitsecs=1
    """, extra="environment=GLOBALVAR=g")
    pid = tend.wait_state("g:envtest", "RUNNING")["pid"]
    env = sleeper_report(tend, tend.dir / "env.out", pid)
    pid2 = tend.wait_state("g:envtest2", "RUNNING")["pid"]
    env.update(sleeper_report(tend, tend.dir / "env2.out", pid2))
    assert env["SUPERVISOR_ENABLED"] == "1", env
    assert env["SUPERVISOR_PROCESS_NAME"] == "envtest", env
    assert env["SUPERVISOR_GROUP_NAME"] == "g", env
    assert env["SUPERVISOR_SERVER_URL"] == f"unix://{tend.sock}", env
    assert env["FOO"] == "bar baz", env
    assert env["BAR"] == "2", env
    assert env["QUOTED"] == "a,b", env
    assert env["HERE"] == str(tend.dir), env
    assert env["NAMES"] == "envtest2/g/0", env
    assert env["FILEVAR"] == "fromfile", env
    assert env["FILEQ"] == "two words", env
    assert env["GLOBALVAR"] == "g", env
    # Negative control: a variable nobody set is unset.
    assert env["NOTSET"] is None, env
    # sleeper_report of envtest2 replaced these: read envtest's again
    env = sleeper_report(tend, tend.dir / "env.out", pid)
    assert env["cwd"] == str(tend.dir / "wd"), env
    assert env["umask"] == "0027", env


def test_long_values_reach_the_process_byte_exact(tend):
    """A 64 KiB value on one line, an inline comment after it, and a
    multi-line value: the process gets them byte for byte (Debian's
    libinih, once tend's reader, cut lines at 200 bytes)."""
    big = "".join(chr(ord("a") + i % 26) for i in range(64 * 1024))
    tend.start(f"""
        [program:long]
        command={{H}}/sleeper --print-env BIG MULTI
        environment=BIG="{big}" ; a comment after 64 KiB
            ,MULTI="one
            two"
        stdout_logfile={{T}}/long.out
        startsecs=0
        stopwaitsecs=1
    """)
    pid = tend.wait_state("long", "RUNNING")["pid"]
    env = sleeper_report(tend, tend.dir / "long.out", pid)
    assert env["BIG"] == big, len(env["BIG"] or "")
    out = (tend.dir / "long.out").read_text()
    assert "\nMULTI=one\ntwo\n" in out, out[-200:]


def test_tendd_environment_is_inherited_not_polluted(tend):
    """No NOTIFY_SOCKET for readiness=none; the process starts in tendd's
    directory with [supervisord] umask (022) when it sets none."""
    tend.start("""
        [program:plain]
        command={H}/sleeper --print-env NOTIFY_SOCKET SUPERVISOR_ENABLED PATH
        stdout_logfile={T}/plain.out
        startsecs=0
        stopwaitsecs=1
    """)
    pid = tend.wait_state("plain", "RUNNING")["pid"]
    env = sleeper_report(tend, tend.dir / "plain.out", pid)
    assert env["NOTIFY_SOCKET"] is None, env
    assert env["SUPERVISOR_ENABLED"] == "1"
    assert env["PATH"] == os.environ["PATH"], env
    assert env["umask"] == "0022", env


def test_serverurl_key_sets_supervisor_server_url(tend):
    """supervisord's serverurl=: AUTO is the server's own URL, another
    value is passed as written, an empty one sets no variable
    (process.py, _spawn_as_child)."""
    tend.start("""
        [program:auto]
        command={H}/sleeper --print-env SUPERVISOR_SERVER_URL
        serverurl=auto
        stdout_logfile={T}/auto.out
        startsecs=0
        stopwaitsecs=1

        [program:own]
        command={H}/sleeper --print-env SUPERVISOR_SERVER_URL
        serverurl=http://127.0.0.1:9001
        stdout_logfile={T}/own.out
        startsecs=0
        stopwaitsecs=1

        [program:none]
        command={H}/sleeper --print-env SUPERVISOR_SERVER_URL
        serverurl=
        stdout_logfile={T}/none.out
        startsecs=0
        stopwaitsecs=1
    """)
    got = {}
    for name in ("auto", "own", "none"):
        pid = tend.wait_state(name, "RUNNING")["pid"]
        got[name] = sleeper_report(tend, tend.dir / f"{name}.out",
                                   pid)["SUPERVISOR_SERVER_URL"]
    assert got == {"auto": f"unix://{tend.sock}",
                   "own": "http://127.0.0.1:9001", "none": None}, got


@pytest.mark.skipif(os.geteuid() != 0, reason="user= needs root")
def test_user_nobody(tend):
    nobody = pwd.getpwnam("nobody")
    tend.start("""
        [program:low]
        command={H}/sleeper --print-env SUPERVISOR_PROCESS_NAME
        user=nobody
        directory=/
        stdout_logfile={T}/low.out
        startsecs=0
        stopwaitsecs=1

        [program:high]
        command={H}/sleeper
        stdout_logfile={T}/high.out
        startsecs=0
        stopwaitsecs=1
    """)
    pid = tend.wait_state("low", "RUNNING")["pid"]
    env = sleeper_report(tend, tend.dir / "low.out", pid)
    assert env["uid"] == str(nobody.pw_uid) and \
        env["gid"] == str(nobody.pw_gid), env
    # real, effective, saved and filesystem ids all dropped
    assert proc_status_field(pid, "Uid") == [str(nobody.pw_uid)] * 4
    assert proc_status_field(pid, "Gid") == [str(nobody.pw_gid)] * 4
    groups = proc_status_field(pid, "Groups")
    assert "0" not in groups, f"root's groups kept: {groups}"
    assert env["SUPERVISOR_PROCESS_NAME"] == "low"
    # Negative control: without user= the process stays root.
    hpid = tend.wait_state("high", "RUNNING")["pid"]
    assert sleeper_report(tend, tend.dir / "high.out", hpid)["uid"] == "0"
    # Stopping a process that dropped privileges still works.
    tend.ctl("stop", "low", check=0)


@pytest.mark.skipif(os.geteuid() != 0, reason="user= needs root")
def test_unknown_user_is_refused(tend):
    conf = tend.write_config("""
        [program:who]
        command={H}/sleeper
        user=tend-no-such-user
    """)
    r = run([TENDD, "-n", "-c", conf])
    assert r.rc == 1, r
    assert re.search(rf"^{re.escape(str(conf))}:\d+: .*tend-no-such-user",
                     r.err, re.M), r
