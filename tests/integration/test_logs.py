"""Output capture: stdout_logfile, stderr_logfile, redirect_stderr,
childlogdir (AUTO) files, rotation, a flood, and `tendctl tail`; NONE,
exact rotation boundaries, the last output of a dying process, partial
lines and binary data, log_timestamps/log_prefix, /dev/stdout, syslog,
tail -n/-BYTES/-f (two followers, one stalled), maintail, clear, reopen
(SIGUSR2 and the verb), tendd's own log rotation, write failures counted
in status --json, and a log directory that goes away and comes back."""

import os
import re
import shutil
import signal
import subprocess
import threading
import time

import tendlib
from tendlib import EXIT_FAIL, EXIT_OK, EXIT_USAGE, TENDCTL

MiB = 1 << 20


def test_stdout_stderr_and_redirect(tend):
    tend.start("""
        [program:split]
        command={H}/crasher 0 100
        startsecs=0
        autorestart=false
        stdout_logfile={T}/split.out
        stderr_logfile={T}/split.err

        [program:merged]
        command={H}/crasher 0 100
        startsecs=0
        autorestart=false
        redirect_stderr=true
        stdout_logfile={T}/merged.out

        [program:hello]
        command=/bin/sh -c 'echo to-stdout; echo to-stderr >&2; exec sleep 1000'
        startsecs=0
        stopwaitsecs=1
        stdout_logfile={T}/hello.out
        stderr_logfile={T}/hello.err
    """)
    for n in ("split", "merged"):
        tend.wait_state(n, "EXITED")
    # crasher reports on stderr
    tend.wait_until(lambda: "exiting with 0" in
                          (tend.dir / "split.err").read_text(),
                          what="crasher's line in split.err")
    assert "exiting" not in (tend.dir / "split.out").read_text()
    tend.wait_until(lambda: "exiting with 0" in
                    (tend.dir / "merged.out").read_text(),
                    what="stderr redirected into merged.out")
    tend.wait_state("hello", "RUNNING")
    tend.wait_until(lambda: (tend.dir / "hello.out").read_text() ==
                    "to-stdout\n" and (tend.dir / "hello.err").read_text()
                    == "to-stderr\n", what="hello's two streams apart")


def test_capture_mode_keeps_the_block_out_of_the_log(tend):
    """stdout_capture_maxbytes (supervisord's capture mode): what comes
    between <!--XSUPERVISOR:BEGIN--> and <!--XSUPERVISOR:END--> goes to
    listeners (PROCESS_COMMUNICATION_STDOUT), not to the log file, with or
    without a listener; stdout_events_enabled with stdout_logfile=NONE
    still reads the pipe.  Negative control: without the key the block is
    logged as it is."""
    block = ("<!--XSUPERVISOR:BEGIN-->secret<!--XSUPERVISOR:END-->"
             "after the capture, long enough\\n")
    tend.start(f"""
        [program:cap]
        command=/bin/sh -c "printf 'before\\n{block}'; exec sleep 1000"
        stdout_capture_maxbytes=1KB
        stdout_logfile={{T}}/cap.out
        startsecs=0
        stopwaitsecs=1

        [program:plain]
        command=/bin/sh -c "printf 'before\\n{block}'; exec sleep 1000"
        stdout_logfile={{T}}/plain.out
        startsecs=0
        stopwaitsecs=1

        [program:quiet]
        command=/bin/sh -c "printf 'x\\n'; exec sleep 1000"
        stdout_events_enabled=true
        stdout_logfile=NONE
        startsecs=0
        stopwaitsecs=1
    """)
    want_plain = ("before\n<!--XSUPERVISOR:BEGIN-->secret"
                  "<!--XSUPERVISOR:END-->after the capture, long enough\n")
    tend.wait_until(lambda: (tend.dir / "plain.out").exists() and
                    (tend.dir / "plain.out").read_text() == want_plain,
                    what="the block logged as it is without capture mode")
    tend.wait_until(lambda: (tend.dir / "cap.out").exists() and
                    (tend.dir / "cap.out").read_text() ==
                    "before\nafter the capture, long enough\n",
                    what="the captured block kept out of cap.out")
    # quiet's stdout is a pipe tendd reads (for PROCESS_LOG_STDOUT), not
    # /dev/null as for a NONE log without events.
    pid = tend.wait_state("quiet", "RUNNING")["pid"]
    assert os.readlink(f"/proc/{pid}/fd/1").startswith("pipe:")
    assert "secret" not in (tend.dir / "cap.out").read_text()


def test_childlogdir_auto(tend):
    tend.start("""
        [program:auto]
        command=/bin/sh -c 'echo auto-marker-$$; exec sleep 1000'
        startsecs=0
        stopwaitsecs=1
    """)
    pid = tend.wait_state("auto", "RUNNING")["pid"]
    want = f"auto-marker-{pid}"

    def found():
        for p in tend.logdir.iterdir():
            if p.is_file() and want in p.read_text(errors="replace"):
                return p
        return None
    p = tend.wait_until(found, what=f"{want} in a file in childlogdir")
    assert "auto" in p.name, f"AUTO log file name {p.name} lacks program"


def test_flood_is_captured_whole_and_tendd_answers(tend):
    size = 8 * MiB
    tend.start(f"""
        [program:flood]
        command={{H}}/flooder {size}
        startsecs=0
        autorestart=false
        stdout_logfile={{T}}/flood.out
        stdout_logfile_maxbytes=0

        [program:calm]
        command={{H}}/sleeper
        startsecs=0
        stopwaitsecs=1
    """)
    out = tend.dir / "flood.out"
    # status answers (within tendlib.LIVENESS) throughout the flood
    tend.wait_until(lambda: tend.ctl("status", "calm", check=EXIT_OK)
                    and tend.state("flood") == "EXITED",
                    what="the flood to end")
    rec = tend.status_of("flood")
    assert rec["exit"]["code"] == 0, rec
    tend.wait_until(lambda: out.stat().st_size >= size, timeout=10,
                    what=f"{size} bytes in flood.out")
    assert out.stat().st_size == size
    # 64-byte numbered lines, in order
    with open(out, "rb") as f:
        f.seek(size - 64)
        last = f.read()
    assert last.startswith(b"flooder ") and last.endswith(b"\n"), last


def test_rotation(tend):
    tend.start("""
        [program:rot]
        command={H}/flooder 1048576
        startsecs=0
        autorestart=false
        stdout_logfile={T}/rot.out
        stdout_logfile_maxbytes=100KB
        stdout_logfile_backups=2
    """)
    tend.wait_state("rot", "EXITED")
    d = tend.dir
    tend.wait_until(lambda: (d / "rot.out.2").exists(),
                    what="two backups")
    assert not (d / "rot.out.3").exists()
    # Each file holds at most maxbytes, give or take one pipe read.
    for p in ("rot.out", "rot.out.1", "rot.out.2"):
        size = (d / p).stat().st_size
        assert 0 < size <= 100 * 1024 + 64 * 1024, (p, size)


def test_tail(tend):
    tend.start("""
        [program:talk]
        command=/bin/sh -c 'echo hello-out; echo hello-err >&2; exec sleep 1000'
        startsecs=0
        stopwaitsecs=1
        stdout_logfile={T}/talk.out
        stderr_logfile={T}/talk.err
    """)
    tend.wait_state("talk", "RUNNING")
    tend.wait_until(lambda: (tend.dir / "talk.err").exists() and
                    "hello-err" in (tend.dir / "talk.err").read_text(),
                    what="output written")
    r = tend.ctl("tail", "talk", check=EXIT_OK)
    assert "hello-out" in r.out and "hello-err" not in r.out, r
    r = tend.ctl("tail", "talk", "stderr", check=EXIT_OK)
    assert "hello-err" in r.out, r


# --- helpers -----------------------------------------------------------

STAMP = rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z"


def read_bytes(path):
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return b""


class Follower:
    """`tendctl tail -f ...` in the background; .out collects stdout.
    READ=False leaves its stdout unread (a stalled reader)."""

    def __init__(self, tend, *args, read=True):
        self.p = subprocess.Popen(
            [str(TENDCTL), "-c", str(tend.conf), *map(str, args)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE)
        self.out = b""
        self._t = None
        if read:
            self._t = threading.Thread(target=self._pump, daemon=True)
            self._t.start()

    def _pump(self):
        while True:
            b = self.p.stdout.read1(65536)
            if not b:
                return
            self.out += b

    def close(self):
        if self.p.poll() is None:
            self.p.kill()
        self.p.wait(tendlib.live(10))
        if self._t:
            self._t.join(5)
        self.p.stdout.close()
        self.p.stderr.close()


# --- file names, NONE ----------------------------------------------------

def test_auto_names_group_and_none(tend):
    tend.start("""
        [program:auto]
        command=/bin/sh -c 'echo out-line; echo err-line >&2; exec sleep 1000'
        startsecs=0
        stopwaitsecs=1

        [group:grp]
        programs=member

        [program:member]
        command=/bin/sh -c 'echo member-line; exec sleep 1000'
        startsecs=0
        stopwaitsecs=1

        [program:quiet]
        command=/bin/sh -c 'echo nothing; exec sleep 1000'
        startsecs=0
        stopwaitsecs=1
        stdout_logfile=NONE
        stderr_logfile=NONE
    """)
    for n in ("auto", "grp:member", "quiet"):
        tend.wait_state(n, "RUNNING")
    d = tend.logdir
    # AUTO: CHILDLOGDIR/NAME-CHANNEL.log, ':' made '_' (tend.conf(5))
    tend.wait_until(lambda: read_bytes(d / "auto-stdout.log") ==
                    b"out-line\n", what="auto-stdout.log")
    tend.wait_until(lambda: read_bytes(d / "auto-stderr.log") ==
                    b"err-line\n", what="auto-stderr.log")
    tend.wait_until(lambda: read_bytes(d / "grp_member-stdout.log") ==
                    b"member-line\n", what="grp_member-stdout.log")
    rec = tend.status_of("auto")
    assert rec["stdout_logfile"] == str(d / "auto-stdout.log"), rec
    assert rec["stderr_logfile"] == str(d / "auto-stderr.log"), rec
    assert rec["log_dropped_bytes"] == 0, rec
    # NONE: no file at all, and nothing to tail
    assert not [p for p in d.iterdir() if p.name.startswith("quiet")]
    assert tend.status_of("quiet")["stdout_logfile"] == ""
    r = tend.ctl("tail", "quiet", check=EXIT_FAIL)
    assert "quiet: stdout is not logged to a file (stdout_logfile=NONE)" \
        in r.err, r


def test_redirect_stderr_cannot_be_tailed_apart(tend):
    tend.start("""
        [program:merged]
        command=/bin/sh -c 'echo one; echo two >&2; echo three; exec sleep 1000'
        startsecs=0
        stopwaitsecs=1
        redirect_stderr=true
        stdout_logfile={T}/merged.out
        stderr_logfile={T}/ignored.err
    """)
    out = tend.dir / "merged.out"
    # one pipe: the order the process wrote in is kept
    tend.wait_until(lambda: read_bytes(out) == b"one\ntwo\nthree\n",
                    what="merged output in order")
    assert not (tend.dir / "ignored.err").exists()
    r = tend.ctl("tail", "merged", "stderr", check=EXIT_FAIL)
    assert "redirect_stderr=true" in r.err, r


# --- rotation ------------------------------------------------------------

def test_rotation_boundary_backups_shift_oldest_dropped(tend):
    # Five 61-byte lines, one at a time, maxbytes=100: the write that
    # would cross 100 bytes starts a new file, so each file holds one
    # line; with 3 backups the first line is gone.
    tend.start("""
        [program:rot]
        command=/bin/sh -c 'for i in 1 2 3 4 5; do echo line-$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; sleep 0.2; done'
        startsecs=0
        autorestart=false
        stdout_logfile={T}/rot.out
        stdout_logfile_maxbytes=100
        stdout_logfile_backups=3
    """)
    tend.wait_state("rot", "EXITED")
    d = tend.dir

    def line(i):
        return b"line-%d-%s\n" % (i, b"x" * 53)
    assert len(line(1)) == 61
    assert read_bytes(d / "rot.out") == line(5)
    assert read_bytes(d / "rot.out.1") == line(4)
    assert read_bytes(d / "rot.out.2") == line(3)
    assert read_bytes(d / "rot.out.3") == line(2)
    assert not (d / "rot.out.4").exists()


def test_tendd_own_log_rotates(tend):
    tend.start("""
        [program:s]
        command={H}/sleeper
        autostart=false
        startsecs=0
        stopwaitsecs=1
    """, extra="""
        logfile={T}/main.log
        logfile_maxbytes=1KB
        logfile_backups=2
    """)
    main = tend.dir / "main.log"
    for _ in range(12):
        tend.ctl("start", "s", check=EXIT_OK)
        tend.ctl("stop", "s", check=EXIT_OK)
    assert (tend.dir / "main.log.1").exists()
    assert (tend.dir / "main.log.2").exists()
    assert not (tend.dir / "main.log.3").exists()
    for p in (main, tend.dir / "main.log.1", tend.dir / "main.log.2"):
        # rotated once past 1 KB: at most one line over
        assert p.stat().st_size < 1024 + 200, p


# --- what a process leaves behind ----------------------------------------

def test_last_output_of_a_dying_process(tend):
    size = 300007  # not a multiple of any pipe or chunk size
    tend.start(f"""
        [program:dying]
        command={{H}}/flooder {size}
        startsecs=0
        autorestart=false
        stdout_logfile={{T}}/dying.out
        stdout_logfile_maxbytes=0

        [program:partial]
        command=/bin/sh -c 'printf "first\\nno newline at the end"; exit 3'
        startsecs=0
        autorestart=false
        stdout_logfile={{T}}/partial.out
        log_timestamps=true
    """)
    tend.wait_state("dying", "EXITED")
    # complete when the exit is reported, not some time after it
    assert (tend.dir / "dying.out").stat().st_size == size
    tend.wait_state("partial", "EXITED")
    got = read_bytes(tend.dir / "partial.out")
    assert re.fullmatch(STAMP + rb" first\n" + STAMP +
                        rb" no newline at the end", got), got


def test_binary_and_partial_lines_pass_unchanged(tend):
    tend.start("""
        [program:bin]
        command=/bin/sh -c 'printf "a\\000b\\377"; sleep 0.3; printf "c\\nd"; exec sleep 1000'
        startsecs=0
        stopwaitsecs=1
        stdout_logfile={T}/bin.out
    """)
    out = tend.dir / "bin.out"
    tend.wait_until(lambda: read_bytes(out) == b"a\x00b\xffc\nd",
                    what="exact bytes in bin.out")
    r = subprocess.run([str(TENDCTL), "-c", str(tend.conf), "tail", "bin"],
                       capture_output=True, timeout=10)
    assert r.returncode == 0 and r.stdout == b"a\x00b\xffc\nd", r


# --- timestamps, prefix, /dev/stdout, syslog -----------------------------

def test_timestamps_and_prefix_keep_lines_whole(tend):
    tend.start("""
        [program:ts]
        command=/bin/sh -c 'echo one; printf tw; sleep 0.3; echo o; printf "bin\\001\\000x\\n"; printf prompt; exec sleep 1000'
        startsecs=0
        stopwaitsecs=1
        stdout_logfile={T}/ts.out
        log_timestamps=true
        log_prefix=true
    """)
    out = tend.dir / "ts.out"
    want = (STAMP + rb" \[ts\] one\n" + STAMP + rb" \[ts\] two\n" +
            STAMP + rb" \[ts\] bin\x01\x00x\n" + STAMP + rb" \[ts\] prompt")
    # "tw" + "o\n" is one line with one stamp; the unfinished "prompt"
    # is passed on after a second of silence
    tend.wait_until(lambda: re.fullmatch(want, read_bytes(out)),
                    what="stamped, prefixed whole lines")
    stamps = re.findall(rb"T(\d\d:\d\d:\d\d\.\d{6})Z", read_bytes(out))
    assert stamps == sorted(stamps)


def test_dev_stdout_is_not_rotated(tend):
    # tendd's standard output is the harness's log file: a container's
    # way of logging.  /dev/stdout is a symlink: never renamed.
    tend.start("""
        [program:ctr]
        command=/bin/sh -c 'echo container-line-1; echo container-line-2; exec sleep 1000'
        startsecs=0
        stopwaitsecs=1
        stdout_logfile=/dev/stdout
        stdout_logfile_maxbytes=10
        stdout_logfile_backups=1
        log_prefix=true
    """)
    tend.wait_until(lambda: "[ctr] container-line-2" in tend.log_text(),
                    what="prefixed lines on tendd's stdout")
    assert "[ctr] container-line-1" in tend.log_text()
    assert os.path.islink("/dev/stdout")
    assert not os.path.exists("/dev/stdout.1")
    assert tend.status_of("ctr")["log_dropped_bytes"] == 0


def test_syslog(tend, monkeypatch):
    with tendlib.syslog_listener(monkeypatch) as s:
        tend.start("""
            [program:sl]
            command=/bin/sh -c 'echo to-syslog; echo err-syslog >&2; exec sleep 1000'
            startsecs=0
            stopwaitsecs=1
            stdout_syslog=true
            stderr_syslog=true
        """)
        pid = tend.wait_state("sl", "RUNNING")["pid"]
        got = sorted(s.recv(4096) for _ in range(2))
        # daemon.err = 27, daemon.info = 30 (RFC 3164 <PRI>)
        assert re.fullmatch(rb"<27>\w{3} [ \d]\d \d\d:\d\d:\d\d sl\[%d\]: "
                            rb"err-syslog" % pid, got[0]), got
        assert re.fullmatch(rb"<30>\w{3} [ \d]\d \d\d:\d\d:\d\d sl\[%d\]: "
                            rb"to-syslog" % pid, got[1]), got
        # the files still get the output
        tend.wait_until(lambda: read_bytes(tend.logdir / "sl-stdout.log")
                        == b"to-syslog\n", what="sl-stdout.log")


# --- tail ----------------------------------------------------------------

def test_tail_bytes_lines_and_errors(tend):
    tend.start("""
        [program:t]
        command=/bin/sh -c 'for i in 1 2 3 4 5; do echo line-$i; done; exec sleep 1000'
        startsecs=0
        stopwaitsecs=1
        stdout_logfile={T}/t.out
    """)
    tend.wait_until(lambda: read_bytes(tend.dir / "t.out").endswith(
        b"line-5\n"), what="t.out")
    assert tend.ctl("tail", "-n", "2", "t", check=EXIT_OK).out == \
        "line-4\nline-5\n"
    assert tend.ctl("tail", "-n1", "t", check=EXIT_OK).out == "line-5\n"
    assert tend.ctl("tail", "-7", "t", check=EXIT_OK).out == "line-5\n"
    assert tend.ctl("tail", "-n", "99", "t", check=EXIT_OK).out == \
        "".join(f"line-{i}\n" for i in range(1, 6))
    # supervisorctl's default: the last 1600 bytes
    assert tend.ctl("tail", "t", check=EXIT_OK).out.startswith("line-1\n")
    r = tend.ctl("tail", "nosuch", check=EXIT_FAIL)
    assert "nosuch: no such process" in r.err, r
    r = tend.ctl("tail", "-x", "t", check=EXIT_USAGE)
    assert "bad option -x" in r.err, r
    r = tend.ctl("tail", "t", "stdlog", check=EXIT_USAGE)


def test_tail_follow_two_followers_one_stalled(tend):
    tend.start("""
        [program:chat]
        command=/bin/sh -c 'i=0; while :; do echo chat-$i; i=$((i+1)); sleep 0.02; done'
        startsecs=0
        stopwaitsecs=1
        stdout_logfile={T}/chat.out

        [program:flood]
        command={H}/flooder
        autostart=false
        startsecs=0
        stopwaitsecs=1
        stdout_logfile={T}/flood.out
        stdout_logfile_maxbytes=4MB
        stdout_logfile_backups=1
    """)
    tend.wait_state("chat", "RUNNING")
    good = Follower(tend, "tail", "-f", "-n", "1", "chat")
    stalled = Follower(tend, "tail", "-f", "flood", read=False)
    try:
        tend.wait_until(lambda: b"chat-" in good.out, what="first line")
        tend.ctl("start", "flood", check=EXIT_OK)
        # the stalled reader fills its pipe and socket; tendd cuts it off
        # after its reply deadline (10 s), meanwhile everything flows
        # (status answering all the while, within tendlib.LIVENESS)
        tend.wait_until(lambda: tend.ctl("status", "chat", check=EXIT_OK)
                        and "stalled for 10 seconds" in tend.log_text(),
                        timeout=20, interval=0.1,
                        what="the stalled follower cut off")
        assert tend.state("flood") == "RUNNING"
        assert (tend.dir / "flood.out.1").exists()  # it kept flowing
        n = len(good.out)
        tend.wait_until(lambda: len(good.out) > n + 100,
                        what="the good follower still receiving")
        # whole lines, in order, none missing
        lines = good.out.decode().split("\n")[:-1]
        nums = [int(x.split("-")[1]) for x in lines]
        assert nums == list(range(nums[0], nums[0] + len(nums))), nums
        tend.wait_until(lambda: stalled.p.poll() is not None or True)
    finally:
        good.close()
        stalled.close()
        tend.ctl("stop", "flood")


def test_tail_follow_across_restart_and_rotation(tend):
    tend.start("""
        [program:r]
        command=/bin/sh -c 'echo start-$$; i=0; while :; do echo r-$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; i=$((i+1)); sleep 0.02; done'
        startsecs=0
        stopwaitsecs=1
        stdout_logfile={T}/r.out
        stdout_logfile_maxbytes=1KB
        stdout_logfile_backups=1
    """)
    pid1 = tend.wait_state("r", "RUNNING")["pid"]
    f = Follower(tend, "tail", "-f", "r")
    try:
        # any line of the run (a follower that starts late joins after
        # the first lines have rotated away)
        tend.wait_until(lambda: re.search(rb"\nr-\d+-x", f.out),
                        what="output")
        tend.ctl("restart", "r", check=EXIT_OK)
        pid2 = tend.wait_state("r", "RUNNING")["pid"]
        assert pid2 != pid1
        mark = b"start-%d\n" % pid2

        # across the restart and several rotations of 1 KB (20 lines)
        def second_run():
            i = f.out.find(mark)
            return i >= 0 and b"\nr-80-" in f.out[i:]
        tend.wait_until(second_run, timeout=15,
                        what="the follower sees the new run")
        run2 = f.out[f.out.find(mark) + len(mark):].split(b"\n")[:80]
        assert [ln.split(b"-")[1] for ln in run2] == \
            [b"%d" % i for i in range(80)]
    finally:
        f.close()


def test_maintail(tend):
    tend.start("""
        [program:m]
        command={H}/sleeper
        startsecs=0
        stopwaitsecs=1
    """, extra="logfile={T}/main.log")
    tend.wait_state("m", "RUNNING")
    r = tend.ctl("maintail", check=EXIT_OK)
    assert "spawned: 'm' with pid" in r.out, r
    r = tend.ctl("maintail", "-n", "1", check=EXIT_OK)
    assert r.out.count("\n") == 1 and "entered RUNNING" in r.out, r
    first = tend.pid_of("m")
    f = Follower(tend, "maintail", "-f", "-0")
    try:
        # Restart m until the follower (subscribed at some point) sees a
        # stop: no guess at how long subscribing takes.
        def sees_a_stop():
            if b"stopped: m" in f.out:
                return True
            tend.ctl("restart", "m", check=EXIT_OK)
            return False
        tend.wait_until(sees_a_stop, interval=0.3,
                        what="maintail -f sees a stop")
        # -0: nothing from before it followed
        assert b"with pid %d" % first not in f.out, f.out
    finally:
        f.close()


def test_maintail_without_logfile(tend):
    tend.start("""
        [program:m]
        command={H}/sleeper
        autostart=false
    """)
    r = tend.ctl("maintail", check=EXIT_FAIL)
    assert "tendd logs to stderr" in r.err, r


# --- clear, reopen -------------------------------------------------------

def test_clear(tend):
    tend.start("""
        [program:c]
        command=/bin/sh -c 'while :; do echo tick; sleep 0.05; done'
        startsecs=0
        stopwaitsecs=1
        stdout_logfile={T}/c.out
    """)
    out = tend.dir / "c.out"
    tend.wait_until(lambda: out.exists() and out.stat().st_size > 50,
                    what="some output")
    r = tend.ctl("clear", "c", check=EXIT_OK)
    assert r.out == "c: cleared\n", r
    assert out.stat().st_size < 50
    tend.wait_until(lambda: read_bytes(out).startswith(b"tick\ntick\n"),
                    what="new output at the start of the file")
    assert b"\0" not in read_bytes(out)  # no hole where the old data was
    r = tend.ctl("clear", "nosuch", check=EXIT_FAIL)
    assert "nosuch: ERROR (no such process)" in r.out, r


def test_reopen_on_sigusr2_and_verb(tend):
    tend.start("""
        [program:ro]
        command=/bin/sh -c 'i=0; while :; do echo ro-$i; i=$((i+1)); sleep 0.02; done'
        startsecs=0
        stopwaitsecs=1
        stdout_logfile={T}/ro.out
    """, extra="logfile={T}/main.log")
    out, moved = tend.dir / "ro.out", tend.dir / "ro.out.moved"
    tend.wait_until(lambda: read_bytes(out).count(b"\n") > 3, what="output")
    # logrotate: move, then signal
    os.rename(out, moved)
    os.rename(tend.dir / "main.log", tend.dir / "main.log.moved")
    os.kill(tend.pid, signal.SIGUSR2)
    tend.wait_until(lambda: read_bytes(out).count(b"\n") > 3,
                    what="a new ro.out")
    tend.wait_until(lambda: (tend.dir / "main.log").exists(),
                    what="a new main.log")
    assert "received SIGUSR2: reopening log files" in \
        read_bytes(tend.dir / "main.log.moved").decode()
    size = moved.stat().st_size
    tend.stays(lambda: moved.stat().st_size == size, 0.3,
               what="the moved file gets nothing more")
    # the same by the verb
    os.rename(out, moved)
    r = tend.ctl("reopen", check=EXIT_OK)
    assert r.out == "Reopened log files\n", r
    tend.wait_until(lambda: read_bytes(out).count(b"\n") > 3,
                    what="ro.out again")
    # every line exactly once across the files, in order
    nums = [int(x[3:]) for x in (read_bytes(moved) + read_bytes(out))
            .decode().split()]
    assert nums == list(range(nums[0], nums[0] + len(nums)))


# --- failures --------------------------------------------------------------

def test_write_failure_counted_and_said_once(tend):
    tend.start("""
        [program:full]
        command=/bin/sh -c 'while :; do echo full-line; sleep 0.01; done'
        startsecs=0
        stopwaitsecs=1
        stdout_logfile=/dev/full
    """)
    tend.wait_until(lambda: tend.status_of("full")["log_dropped_bytes"]
                    > 10 * len("full-line\n"), what="dropped bytes counted")
    time.sleep(1.2)  # let a retry (once a second) fail again
    n = tend.status_of("full")["log_dropped_bytes"]
    assert n % len("full-line\n") == 0, n
    said = [ln for ln in tend.log_text().splitlines()
            if "full stdout" in ln]
    assert len(said) == 1, said
    assert "/dev/full: No space left on device; dropping output" in said[0]
    assert tend.state("full") == "RUNNING"


def test_log_directory_removed_and_back(tend):
    d = tend.dir / "logs"
    d.mkdir()
    tend.start("""
        [program:w]
        command=/bin/sh -c 'while :; do echo w-line; sleep 0.02; done'
        startsecs=0
        stopwaitsecs=1
        stdout_logfile={T}/logs/w.out
    """)
    out = d / "w.out"
    tend.wait_until(lambda: read_bytes(out).count(b"\n") > 3, what="output")
    shutil.rmtree(d)
    tend.wait_until(lambda: "dropping output" in tend.log_text(),
                    what="the failure said")
    tend.wait_until(lambda: tend.status_of("w")["log_dropped_bytes"] > 0,
                    what="dropped bytes counted")
    assert tend.state("w") == "RUNNING"
    d.mkdir()
    tend.wait_until(lambda: "writing %s again" % out in tend.log_text(),
                    what="recovery said")
    tend.wait_until(lambda: read_bytes(out).startswith(b"w-line\n"),
                    what="output in the new file")
    said = [ln for ln in tend.log_text().splitlines() if "dropping" in ln]
    assert len(said) == 1, said


def test_strip_ansi_removes_escapes_as_supervisord(tend):
    """[supervisord] strip_ansi=true: every colour escape is gone from the
    logs, judged by supervisord's own stripEscapes() on the same bytes;
    20,000 coloured lines come through many reads, so escapes cut between
    two reads are removed too.  A lone ESC is output and stays.  A reload
    that turns it off logs escapes again."""
    from supervisor.dispatchers import stripEscapes
    line = "\033[1;31mERR\033[0m line \033 lone"
    body = f"""
        [program:colour]
        command=/bin/sh -c "printf '{line}\\\\n' >&2; yes '{line}' | head -n 20000; exec sleep 1000"
        startsecs=0
        stopwaitsecs=1
        stdout_logfile={{T}}/colour.out
        stderr_logfile={{T}}/colour.err
    """
    tend.start(body, extra="strip_ansi=true")
    raw = (line + "\n").encode()
    want_out = stripEscapes(raw) * 20000
    assert want_out == b"ERR line \033 lone\n" * 20000
    out, err = tend.dir / "colour.out", tend.dir / "colour.err"
    tend.wait_until(lambda: out.stat().st_size >= len(want_out),
                    what="20,000 lines in colour.out")
    assert out.read_bytes() == want_out
    tend.wait_until(lambda: err.read_bytes() == stripEscapes(raw),
                    what="the stripped line in colour.err")
    # Off again: the same output is logged as written.
    tend.write_config(body)
    tend.ctl("reload", check=EXIT_OK)
    tend.ctl("restart", "colour", check=EXIT_OK)
    tend.wait_until(lambda: out.stat().st_size >= len(want_out) + 20000 * len(raw),
                    what="the unstripped lines after the reload")
    assert out.read_bytes() == want_out + raw * 20000
