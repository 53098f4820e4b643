"""tendctl's read verbs and its exit codes: status (text and --json), pid,
avail, version, help, and the errors (unknown name, usage, no daemon)."""

import re
import time
from textwrap import dedent

import pytest

from tendlib import (EXIT_FAIL, EXIT_NOCONN, EXIT_NOTRUNNING, EXIT_OK,
                     EXIT_USAGE, STATECODES, TENDCTL, UPTIME_RE,
                     package_version, proc_cmdline,
                     proc_stat, run)

TWO = """
[program:web]
command={H}/sleeper
startsecs=0
stopwaitsecs=1

[program:idle]
command={H}/sleeper
autostart=false
"""


def test_running_after_startsecs_with_pid_and_uptime(tend):
    t0 = time.monotonic()
    tend.start("""
        [program:web]
        command={H}/sleeper
        startsecs=1
        stopwaitsecs=1
    """)
    seen = []

    def running():
        st = tend.state("web")
        seen.append((round(time.monotonic() - t0, 2), st))
        return st == "RUNNING"
    tend.wait_until(running, timeout=5, what="web RUNNING")
    # The spawn happened after t0: RUNNING any earlier than startsecs after
    # it is a transition that did not wait for startsecs.
    early = [s for s in seen if s[0] < 0.9 and s[1] == "RUNNING"]
    assert not early, f"RUNNING before startsecs=1 elapsed: {seen}"
    assert all(s[1] in ("STARTING", "RUNNING") for s in seen), seen
    # STARTING, then RUNNING no sooner than startsecs later, by tendd's
    # own clock (its events): a poller on a loaded machine may see
    # RUNNING first.  The STARTING event is stamped a little after the
    # start startsecs counts from.
    ev = [(e["from"], e["state"], e["time"]) for e in tend.history("web")]
    assert [e[:2] for e in ev] == [("STOPPED", "STARTING"),
                                  ("STARTING", "RUNNING")], ev
    assert ev[1][2] - ev[0][2] >= 0.9, \
        f"RUNNING before startsecs=1 elapsed: {ev}"

    rc, lines, out = tend.status_text()
    assert rc == EXIT_OK, out
    state, desc, line = lines["web"]
    assert state == "RUNNING"
    m = UPTIME_RE.match(desc)
    assert m, f"description {desc!r} is not 'pid N, uptime H:MM:SS'"
    pid = int(m.group(1))
    # The pid is the real service process, a child of tendd.
    st = proc_stat(pid)
    assert st is not None and st.ppid == tend.pid, (pid, st, tend.pid)
    assert proc_cmdline(pid)[0].endswith("sleeper")
    assert tend.pid_of("web") == pid


def test_status_line_columns(tend):
    """NAME padded to 33 columns, STATE to 10, as supervisorctl."""
    tend.start(TWO)
    tend.wait_state("web", "RUNNING")
    rc, lines, out = tend.status_text()
    for name, state in (("web", "RUNNING"), ("idle", "STOPPED")):
        line = lines[name][2]
        assert line[:33] == name.ljust(33), repr(line)
        assert line[33:43] == state.ljust(10), repr(line)
    assert lines["idle"][1] == "Not started"


def test_autostart_false_stays_stopped(tend):
    tend.start(TWO)
    tend.wait_state("web", "RUNNING")
    rec = tend.status_of("idle")
    assert rec["state"] == "STOPPED"
    assert not rec.get("pid"), rec
    # Negative control for "stays": the autostarted twin did start.
    tend.stays(lambda: tend.state("idle") == "STOPPED", 0.5,
               what="idle STOPPED")
    assert tend.status_of("web")["pid"] > 0


def test_status_json_fields(tend):
    tend.start(TWO)
    tend.wait_state("web", "RUNNING")
    procs = tend.status_json()
    assert set(procs) == {"web", "idle"}
    web, idle = procs["web"], procs["idle"]
    for rec in (web, idle):
        for field in ("name", "group", "state", "statecode", "pid",
                      "description"):
            assert field in rec, f"{field} missing from {rec}"
        assert rec["statecode"] == STATECODES[rec["state"]]
    assert web["name"] == "web" and web["group"] == "web"
    assert isinstance(web["pid"], int) and web["pid"] > 0
    assert UPTIME_RE.match(web["description"]), web["description"]
    assert idle["state"] == "STOPPED" and not idle["pid"]
    # Names select.
    only = tend.status_json("web")
    assert set(only) == {"web"}


def test_status_exit_codes(tend):
    tend.start(TWO)
    tend.wait_state("web", "RUNNING")
    # idle is STOPPED: status reports 3, for all and for idle alone.
    tend.ctl("status", check=EXIT_NOTRUNNING)
    tend.ctl("status", "idle", check=EXIT_NOTRUNNING)
    tend.ctl("status", "web", check=EXIT_OK)
    tend.ctl("start", "idle", check=EXIT_OK)
    tend.wait_state("idle", "RUNNING")
    # Negative control: all RUNNING -> 0.
    tend.ctl("status", check=EXIT_OK)
    tend.ctl("stop", "web", check=EXIT_OK)
    tend.ctl("status", check=EXIT_NOTRUNNING)


# supervisorctl's words: "no such group" for GROUP:* of an unknown group
UNKNOWN = [
    (["status", "nosuch"], "nosuch: ERROR (no such process)"),
    (["start", "nosuch"], "nosuch: ERROR (no such process)"),
    (["stop", "nosuch"], "nosuch: ERROR (no such process)"),
    (["restart", "nosuch"], "nosuch: ERROR (no such process)"),
    (["signal", "HUP", "nosuch"], "nosuch: ERROR (no such process)"),
    (["pid", "nosuch"], "nosuch: ERROR (no such process)"),
    (["stop", "web:nosuch"], "web:nosuch: ERROR (no such process)"),
    (["start", "nosuch:*"], "nosuch: ERROR (no such group)"),
]


@pytest.mark.parametrize("argv,msg", UNKNOWN,
                         ids=[" ".join(a) for a, _ in UNKNOWN])
def test_unknown_name_exit_1(tend, argv, msg):
    tend.start(TWO)
    tend.wait_state("web", "RUNNING")
    r = tend.ctl(*argv, check=EXIT_FAIL)
    assert msg in (r.out + r.err).splitlines(), r
    # Nothing else was touched.
    assert tend.state("web") == "RUNNING"
    assert tend.state("idle") == "STOPPED"


def test_unknown_name_among_known_ones(tend):
    """start idle nosuch: idle starts, the unknown name is reported, exit
    1."""
    tend.start(TWO)
    r = tend.ctl("start", "idle", "nosuch", check=EXIT_FAIL)
    assert "nosuch: ERROR (no such process)" in r.out + r.err, r
    assert "idle: started" in r.out, r
    assert tend.state("idle") == "RUNNING"


@pytest.mark.parametrize("argv", [["frobnicate"], ["start"], ["stop"],
                                  ["signal"], ["signal", "HUP"],
                                  ["--no-such-option", "status"]],
                         ids=" ".join)
def test_usage_errors_exit_2(tend, argv):
    tend.start(TWO)
    tend.wait_state("web", "RUNNING")
    r = tend.ctl(*argv, check=EXIT_USAGE)
    assert r.err.strip() or r.out.strip(), "usage error without a message"
    assert tend.state("web") == "RUNNING"


def test_cannot_reach_exit_4(tmp_path):
    sock = tmp_path / "nobody-here.sock"
    r = run([TENDCTL, "-s", sock, "status"])
    assert r.rc == EXIT_NOCONN, r
    assert str(sock) in r.err, f"message does not name the socket: {r}"
    # Same through a config file naming the socket.
    conf = tmp_path / "t.conf"
    conf.write_text(f"[unix_http_server]\nfile={sock}\n")
    r = run([TENDCTL, "-c", conf, "status"])
    assert r.rc == EXIT_NOCONN, r
    assert str(sock) in r.err, r
    for verb in (["start", "x"], ["shutdown"], ["pid"], ["version"]):
        r = run([TENDCTL, "-s", sock, *verb])
        assert r.rc == EXIT_NOCONN, (verb, r)


def test_socket_option_and_config_option_agree(tend):
    tend.start(TWO)
    tend.wait_state("web", "RUNNING")
    a = tend.ctl("status", "web", check=EXIT_OK)
    b = tend.ctl("status", "web", check=EXIT_OK, sock=True)
    assert a.out.split()[:3] == b.out.split()[:3]


def test_pid_verb(tend):
    tend.start(TWO)
    tend.wait_state("web", "RUNNING")
    r = tend.ctl("pid", check=EXIT_OK)
    assert r.out.strip() == str(tend.pid), (r, tend.pid)
    r = tend.ctl("pid", "web", check=EXIT_OK)
    assert int(r.out.strip()) == tend.pid_of("web")
    # A stopped process has no pid: supervisorctl prints 0.
    r = tend.ctl("pid", "idle")
    assert r.out.strip() == "0", r
    r = tend.ctl("pid", "all")
    assert sorted(r.out.split()) == sorted([str(tend.pid_of("web")), "0"]), r


def test_avail(tend):
    tend.start(TWO + dedent("""
        [program:pool]
        command={H}/sleeper
        numprocs=2
        process_name=%(program_name)s_%(process_num)d
        autostart=false
    """))
    r = tend.ctl("avail", check=EXIT_OK)
    names = [line.split()[0] for line in r.out.splitlines() if line.strip()]
    assert sorted(names) == sorted(["web", "idle", "pool:pool_0",
                                    "pool:pool_1"]), r.out


def test_version(tend):
    tend.start(TWO)
    r = tend.ctl("version", check=EXIT_OK)
    assert r.out.strip() == package_version(), r


def test_help_lists_verbs(tend):
    tend.start(TWO)
    r = tend.ctl("help", check=EXIT_OK)
    for verb in ("status", "start", "stop", "restart", "signal", "pid",
                 "avail", "version", "shutdown", "tail", "reread", "update"):
        assert re.search(rf"\b{verb}\b", r.out), f"help lacks {verb}: {r.out}"


def test_tendctl_reads_supervisorctl_serverurl(tend, tmp_path):
    """A config with only [supervisorctl] serverurl=unix://... (as for
    supervisorctl) is enough for tendctl -c."""
    tend.start(TWO)
    tend.wait_state("web", "RUNNING")
    ctlconf = tmp_path / "ctl.conf"
    ctlconf.write_text(f"[supervisorctl]\nserverurl=unix://{tend.sock}\n")
    r = run([TENDCTL, "-c", ctlconf, "status", "web"])
    assert r.rc == EXIT_OK and "RUNNING" in r.out, r


def test_status_exit_code_follows_supervisorctl(tend):
    """Exit 3 only for STOPPED, EXITED, FATAL: STARTING and BACKOFF count
    as running (supervisorctl's RUNNING_STATES)."""
    tend.start("""
        [program:slow]
        command={H}/sleeper
        startsecs=100
        stopwaitsecs=1

        [program:flaky]
        command=/bin/false
        startsecs=1
        startretries=100
    """)
    tend.wait_state("slow", "STARTING")
    tend.wait_state("flaky", "BACKOFF", "STARTING")
    tend.ctl("status", "slow", check=EXIT_OK)
    tend.ctl("status", "flaky", check=EXIT_OK)
    tend.ctl("stop", "slow", check=EXIT_OK)
    tend.ctl("status", "slow", check=EXIT_NOTRUNNING)


def test_status_sorted_by_group_then_name(tend):
    """supervisorctl lists processes by group, then name, whatever the
    priority: "web:x" (group web) before the lone program "web-1"."""
    tend.start("""
        [program:web-1]
        command={H}/sleeper
        priority=1
        startsecs=0

        [group:web]
        programs=x

        [program:x]
        command={H}/sleeper
        priority=5
        startsecs=0

        [program:alpha]
        command={H}/sleeper
        priority=9
        startsecs=0
    """)
    tend.wait_all()
    r = tend.ctl("status", check=EXIT_OK)
    names = [line.split()[0] for line in r.out.splitlines()]
    assert names == ["alpha", "web:x", "web-1"], r.out


def test_status_json_is_read_in_turns_while_others_are_served(tend):
    """status --json reads /proc for every process: done in one go it held
    the loop while exits and other clients waited.  It goes out a chunk
    per loop turn, and not faster than the client takes it: a client
    that reads nothing holds up only its own reply (500 records are more
    than a socket buffer holds)."""
    import os
    import socket
    import struct
    from test_protocol import HELLO, END, OPTS_MARK, STATUS, frame, pstr, \
        read_frame
    tend.start("""
        [program:pool]
        command={H}/sleeper
        process_name=pool_%(process_num)03d
        numprocs=500
        startsecs=0
        stopwaitsecs=1
    """, extra="loglevel=debug")
    tend.wait_all(timeout=60)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect(str(tend.sock))
    try:
        s.sendall(frame(HELLO, 1, struct.pack(">I", 8) + pstr("slow")
                        + struct.pack(">I", 9))
                  + frame(STATUS, 2, struct.pack(">HH", OPTS_MARK, 1)
                          + pstr("full") + pstr("1")))
        tend.wait_request(os.getpid(), "REQ_STATUS")
        # Another client is served meanwhile, and the walk is not over.
        r = tend.ctl("pid", "pool:pool_000", check=EXIT_OK)
        assert r.out.strip().isdigit(), r
        mine = f"control client {os.getpid()}: status of 500 processes sent"
        assert mine not in tend.log_text()
        # Now take it all: 500 records, then END.
        n = 0
        while (f := read_frame(s)) is not None:
            if f[1] == 2 and f[0] == END:
                break
            n += f[0] == 4 and f[1] == 2
    finally:
        s.close()
    assert n == 500
    m = re.search(rf"control client {os.getpid()}: status of 500 processes "
                  r"sent in (\d+) turns", tend.log_text())
    assert m and int(m.group(1)) > 1, tend.log_tail()
