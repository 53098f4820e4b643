"""tendlib: the integration harness behind conftest.py's `tend` fixture.

It starts the real tendd with a config written into the test's tmp_path,
drives it only through the real tendctl, and owns every PID it starts:

  * tendd runs under `setpriv --pdeathsig KILL`, so even a crashed pytest
    leaves no daemon behind (and tendd's own pdeathsig then takes its
    services down);
  * pytest makes itself a child subreaper (prctl(2) PR_SET_CHILD_SUBREAPER),
    so whatever tendd leaves behind when it dies is re-parented to us and
    can be found and reaped;
  * a sampler thread walks /proc every few milliseconds and remembers every
    descendant of tendd (pid + start time, so a recycled PID is never
    mistaken for ours); pidfiles written by tests/helpers/doublefork are
    read too.  At teardown anything still alive is killed *by PID* and the
    test fails.

Nothing here sleeps for a fixed time to let tendd "settle": every wait is a
poll with a timeout (wait_until), and a timeout reports tendd's log tail.

Every timeout is a liveness bound ("it happens at all"), never a speed
bound: the timeout a test passes is raised to at least LIVENESS seconds
(TEND_LIVENESS, 60 by default), so a loaded 2-core machine under ASan
cannot make a test fail.  How fast something happens is measured in
bench/, not asserted here.
"""

import contextlib
import ctypes
import errno
import json as jsonlib
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import textwrap
import threading
import time
from collections import namedtuple
from pathlib import Path

HERE = Path(__file__).resolve().parent

# The least time any wait in the tests gives tendd (see the top).
LIVENESS = float(os.environ.get("TEND_LIVENESS", "60"))


def live(timeout):
    """TIMEOUT raised to the liveness bound."""
    return max(float(timeout), LIVENESS)


def _srcdir():
    d = os.environ.get("TEND_SRCDIR")
    return Path(d).resolve() if d else HERE.parent.parent


def _builddir():
    d = os.environ.get("TEND_BUILDDIR")
    if not d:
        raise RuntimeError("TEND_BUILDDIR is not set: point it at the build "
                           "directory that holds src/tendd")
    return Path(d).resolve()


SRCDIR = _srcdir()
BUILDDIR = _builddir()
TENDD = BUILDDIR / "src" / "tendd"
TENDCTL = BUILDDIR / "src" / "tendctl"
HELPERS = BUILDDIR / "tests" / "helpers"
SETPRIV = shutil.which("setpriv")

# Longest sun_path (unix(7)) including the terminating NUL.
SUN_PATH_MAX = 108

STATES = ("STOPPED", "STARTING", "RUNNING", "BACKOFF", "STOPPING",
          "EXITED", "FATAL", "UNKNOWN")
STATECODES = {"STOPPED": 0, "STARTING": 10, "RUNNING": 20, "BACKOFF": 30,
              "STOPPING": 40, "EXITED": 100, "FATAL": 200, "UNKNOWN": 1000}

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_NOTRUNNING, EXIT_NOCONN = 0, 1, 2, 3, 4


def fault_hooks_built():
    """Is this a build with TEND_FAULT hooks (--enable-debug)?"""
    try:
        text = (BUILDDIR / "autoconf.h").read_text()
    except OSError:
        return False
    return "#define TEND_FAULTS 1" in text


def sanitized_build():
    """Is this an ASan+UBSan build (--enable-sanitize)?  make check's
    second pass, there for tendd's memory errors: tests whose weight is
    in an outside program (a browser) run in the debug pass only."""
    try:
        text = (BUILDDIR / "Makefile").read_text()
    except OSError:
        return False
    return re.search(r"^TEND_LDFLAGS =.*-fsanitize=address", text,
                     re.M) is not None


def package_version():
    """PACKAGE_VERSION from the build's autoconf.h."""
    text = (BUILDDIR / "autoconf.h").read_text()
    m = re.search(r'#define PACKAGE_VERSION "([^"]*)"', text)
    assert m, "PACKAGE_VERSION not found in autoconf.h"
    return m.group(1)


# ---------------------------------------------------------------------------
# /proc

ProcStat = namedtuple("ProcStat", "pid state ppid pgrp session starttime")


def proc_stat(pid):
    """Parse /proc/PID/stat (proc(5)); None if the process is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read().decode("ascii", "replace")
    except (FileNotFoundError, ProcessLookupError):
        return None
    except OSError as e:
        if e.errno == errno.ESRCH:
            return None
        raise
    # comm may hold spaces and parentheses: split after the last ')'.
    rest = data[data.rindex(")") + 2:].split()
    return ProcStat(pid, rest[0], int(rest[1]), int(rest[2]), int(rest[3]),
                    int(rest[19]))


def all_stats():
    out = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = proc_stat(int(name))
            if st:
                out[st.pid] = st
    return out


def children_of(pid):
    """PID's children from /proc/PID/task/*/children (proc(5)), or None
    if the kernel lacks CONFIG_PROC_CHILDREN.  Cheap: no walk of /proc."""
    kids = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except (FileNotFoundError, ProcessLookupError):
        return []
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                kids += [int(k) for k in f.read().split()]
        except ProcessLookupError:
            continue  # the task died while we looked (ESRCH)
        except FileNotFoundError:
            if not os.path.exists(f"/proc/{pid}/task/{tid}"):
                continue  # the task is gone
            return None
    return kids


def descendants(root, stats=None):
    """Every live process below ROOT, as {pid: ProcStat}."""
    if stats is None and children_of(os.getpid()) is not None:
        # Follow the children lists down from ROOT: cost grows with the
        # tree, not with every process on a busy machine.
        found, todo = {}, [root]
        while todo:
            for kid in children_of(todo.pop()) or ():
                st = proc_stat(kid)
                if st and kid not in found:
                    found[kid] = st
                    todo.append(kid)
        return found
    stats = stats if stats is not None else all_stats()
    kids = {}
    for st in stats.values():
        kids.setdefault(st.ppid, []).append(st)
    found, todo = {}, [root]
    while todo:
        for st in kids.get(todo.pop(), ()):
            if st.pid not in found:
                found[st.pid] = st
                todo.append(st.pid)
    return found


def proc_cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return [a.decode("utf-8", "replace")
                    for a in f.read().split(b"\0") if a]
    except OSError:
        return None


def proc_status_field(pid, field):
    """A line of /proc/PID/status, e.g. 'Uid' -> ['0', '0', '0', '0']."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k == field:
                    return v.split()
    except OSError:
        return None
    return None


def reap_if_ours(pid):
    """Collect PID if it is a zombie child of this (subreaper) process."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def is_alive(pid, starttime=None):
    """True if PID runs and is not a zombie (and, if given, is the process
    that had STARTTIME, not a recycled PID).  A zombie re-parented to us is
    reaped on the way."""
    st = proc_stat(pid)
    if st is None or (starttime is not None and st.starttime != starttime):
        return False
    if st.state in ("Z", "X"):
        if st.ppid == os.getpid():
            reap_if_ours(pid)
        return False
    return True


def reap_zombie_children(exclude=()):
    """Reap zombies re-parented to us, leaving EXCLUDE (Popen's) alone."""
    me = os.getpid()
    for st in descendants(me).values():
        if st.ppid == me and st.state == "Z" and st.pid not in exclude:
            reap_if_ours(st.pid)


def become_subreaper():
    """prctl(2) PR_SET_CHILD_SUBREAPER: orphans of tendd come to us."""
    PR_SET_CHILD_SUBREAPER = 36
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


# ---------------------------------------------------------------------------
# waiting


class WaitTimeout(AssertionError):
    pass


def poll(pred, timeout=10.0, interval=0.02):
    """Call PRED until it returns a true value; return it, or None when
    TIMEOUT (at least LIVENESS) passes."""
    deadline = time.monotonic() + live(timeout)
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= deadline:
            return None
        time.sleep(interval)


def wait_gone(pid, timeout=10.0, starttime=None):
    return poll(lambda: not is_alive(pid, starttime), timeout) is not None


# ---------------------------------------------------------------------------
# tendctl output

CtlResult = namedtuple("CtlResult", "rc out err")

STATUS_RE = re.compile(r"^(\S+)\s+(" + "|".join(STATES) + r")\b\s*(.*)$")
UPTIME_RE = re.compile(r"^pid (\d+), uptime (\d+ days?, )?\d+:\d\d:\d\d$")


def parse_status_text(text):
    """tendctl status lines -> {name: (state, description, line)}."""
    out = {}
    for line in text.splitlines():
        m = STATUS_RE.match(line)
        if m:
            out[m.group(1)] = (m.group(2), m.group(3).strip(), line)
    return out


def normalize_status_json(doc):
    """tendctl status --json -> {fullname: record}.  Accepts a list of
    process objects, {"processes": [...]}, or {name: object}.  Adds
    "fullname" (group:name unless group == name)."""
    if isinstance(doc, dict):
        for key in ("processes", "process", "status"):
            if isinstance(doc.get(key), list):
                doc = doc[key]
                break
    if isinstance(doc, dict):
        items = []
        for k, v in doc.items():
            v = dict(v)
            v.setdefault("fullname", k)
            items.append(v)
    else:
        items = [dict(v) for v in doc]
    out = {}
    for p in items:
        full = p.get("fullname")
        if not full:
            name, group = p.get("name"), p.get("group")
            full = name if not group or group == name else f"{group}:{name}"
            p["fullname"] = full
        out[full] = p
    return out


# ---------------------------------------------------------------------------
# the daemon under test

# pids of every tendd the harness started and has not yet waited for: a
# live child of ours that is none of them is an escaped orphan.
DAEMONS = set()


class Tend:
    """One tendd with its config, socket and log under DIR."""

    def __init__(self, tmp_path, name="tend"):
        self.dir = Path(tmp_path)
        self.name = name
        self.conf = self.dir / f"{name}.conf"
        self.log = self.dir / f"{name}d.log"
        self.logdir = self.dir / "childlogs"
        self.logdir.mkdir(exist_ok=True)
        self.sock = self.dir / f"{name}.sock"
        if len(os.fsencode(str(self.sock))) >= SUN_PATH_MAX:
            # tmp_path is too deep for sun_path: use a short private dir
            # (in /tmp, not $TMPDIR, which may be just as deep).
            short = Path(tempfile.mkdtemp(prefix="tend-", dir="/tmp"))
            self._shortdir = short
            self.sock = short / f"{name}.sock"
        else:
            self._shortdir = None
        self.proc = None
        self.pid = None
        self.expect_dead = False  # the test kills tendd on purpose
        self.known = {}           # pid -> (starttime, cmdline): descendants
        self.pidfiles = []        # doublefork PIDFILEs to read at teardown
        self._lock = threading.Lock()
        self._stop_sampler = threading.Event()
        self._sampler = None

    # -- config --------------------------------------------------------

    def subst(self, text):
        """{H} helpers dir, {T} the test dir, {B} the build dir."""
        return text.format(H=HELPERS, T=self.dir, B=BUILDDIR)

    def header(self, extra=""):
        """The sections every test config starts with; EXTRA: more lines
        for [supervisord]."""
        extra = textwrap.dedent(self.subst(extra)).strip()
        return (f"[unix_http_server]\nfile={self.sock}\n\n"
                f"[supervisord]\nchildlogdir={self.logdir}\n"
                + (extra + "\n" if extra else "") + "\n")

    def write_config(self, body, header=True, extra=""):
        """Write BODY (dedented, {H}/{T}/{B} substituted) as the config,
        after header() unless HEADER is false."""
        for h in sorted(set(re.findall(r"\{H\}/([\w.-]+)", body))):
            assert os.access(HELPERS / h, os.X_OK), \
                f"helper {HELPERS / h} is not built"
        text = textwrap.dedent(self.subst(body)).lstrip("\n")
        if header:
            text = self.header(extra) + text
        self.conf.write_text(text)
        return self.conf

    # -- lifetime ------------------------------------------------------

    def _env(self):
        env = dict(os.environ)
        for k in list(env):
            if k.startswith("SUPERVISOR_") or k in ("NOTIFY_SOCKET",
                                                   "LISTEN_FDS",
                                                   "LISTEN_PID",
                                                   "WATCHDOG_USEC"):
                del env[k]
        return env

    def spawn_tendd(self, *args, log=None):
        """Start `tendd ARGS` (pdeathsig'd to us); return the Popen."""
        argv = [str(TENDD), *args]
        if SETPRIV:
            argv = [SETPRIV, "--pdeathsig", "KILL", "--", *argv]
        logpath = log or self.log
        fh = open(logpath, "ab")
        try:
            p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=fh,
                                 stderr=fh, cwd=self.dir, env=self._env())
        finally:
            fh.close()
        return p

    def start(self, body=None, wait=True, header=True, args=(), extra=""):
        """Write the config (if BODY) and start tendd; wait until tendctl
        answers.  EXTRA: lines for [supervisord]."""
        if body is not None:
            self.write_config(body, header=header, extra=extra)
        assert self.proc is None, "tendd already started"
        self.proc = self.spawn_tendd("-c", str(self.conf), *args)
        self.pid = self.proc.pid
        DAEMONS.add(self.pid)
        self._stop_sampler.clear()
        self._sampler = threading.Thread(target=self._sample_loop,
                                         daemon=True)
        self._sampler.start()
        if wait:
            self.wait_up()
        return self

    def wait_up(self, timeout=10):
        """Wait until tendctl status answers (fail at once if tendd
        exits)."""
        def up():
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"tendd exited with status {self.proc.returncode} "
                    f"during start-up\n{self.log_tail()}")
            r = self.ctl("status", timeout=5)
            return r.rc in (EXIT_OK, EXIT_NOTRUNNING)
        self.wait_until(up, timeout, what="tendctl status to answer")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def _sample_loop(self):
        while not self._stop_sampler.is_set():
            try:
                self.sample()
            except OSError:
                pass  # a process vanished mid-read: the next round sees
            self._stop_sampler.wait(0.01)

    def sample(self):
        """Remember every current descendant of tendd."""
        if self.pid is None:
            return
        found = descendants(self.pid)
        with self._lock:
            for pid, st in found.items():
                if pid not in self.known:
                    self.known[pid] = (st.starttime,
                                       proc_cmdline(pid) or [])

    def stop_sampler(self):
        self._stop_sampler.set()
        if self._sampler:
            self._sampler.join(5)
            self._sampler = None

    def track_pidfile(self, path):
        self.pidfiles.append(Path(path))

    def teardown(self):
        """Shut tendd down, then fail on anything left behind."""
        problems = []
        try:
            if self.proc is not None:
                problems += self._shutdown()
        finally:
            self.stop_sampler()
            if self.proc is not None and self.proc.poll() is not None:
                DAEMONS.discard(self.pid)
            problems += self._leftovers()
            if self._shortdir:
                shutil.rmtree(self._shortdir, ignore_errors=True)
        return problems

    def _shutdown(self):
        problems = []
        if self.alive():
            self.sample()
            try:
                r = self.ctl("shutdown", timeout=10)
            except AssertionError as e:  # tendctl hung and was killed
                r = CtlResult(None, "", str(e))
            try:
                self.proc.wait(live(20))
            except subprocess.TimeoutExpired:
                problems.append(
                    f"tendd (pid {self.pid}) still running {live(20)} s after "
                    f"'tendctl shutdown' (rc {r.rc}: {r.out!r} {r.err!r}); "
                    "SIGKILLed it")
                os.kill(self.pid, signal.SIGKILL)
                self.proc.wait(10)
            else:
                if self.proc.returncode != 0 and not self.expect_dead:
                    problems.append(
                        f"tendd exited with status {self.proc.returncode} "
                        f"after 'tendctl shutdown' (rc {r.rc}, "
                        f"out {r.out!r}, err {r.err!r})")
        else:
            self.proc.wait()
            if not self.expect_dead:
                problems.append(f"tendd died during the test with status "
                                f"{self.proc.returncode}")
        log = self.log_text()
        for bad in ("AddressSanitizer", "LeakSanitizer", "runtime error:"):
            if bad in log:
                problems.append(f"tendd's log reports a sanitizer error "
                                f"({bad})")
                break
        return problems

    def _leftovers(self):
        cands = dict(self.known)
        # Orphans that escaped tendd (it is meant to be their subreaper)
        # land on us: any live child of ours but tendd is one, since no
        # tendctl runs at this point.
        for st in descendants(os.getpid()).values():
            if st.ppid == os.getpid() and st.pid not in DAEMONS and \
                    st.state != "Z" and st.pid not in cands:
                cands[st.pid] = (st.starttime, proc_cmdline(st.pid) or [])
        for pf in self.pidfiles:
            try:
                pid = int(pf.read_text().split()[0])
            except (OSError, ValueError, IndexError):
                continue
            st = proc_stat(pid)
            if st and pid not in cands:
                cands[pid] = (st.starttime, proc_cmdline(pid) or [])
        # Wait briefly: processes killed during shutdown may still be on
        # their way out (a zombie counts as gone).
        left = {}
        for pid, (start, cmd) in cands.items():
            if not wait_gone(pid, timeout=2, starttime=start):
                left[pid] = cmd
        problems = []
        for pid, cmd in sorted(left.items()):
            problems.append(f"left behind: pid {pid} {' '.join(cmd)!r}")
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for pid in left:
            wait_gone(pid, timeout=5)
        # (never a tendd: its Popen must collect its own status)
        reap_zombie_children(exclude=DAEMONS | {self.pid})
        return problems

    # -- logs ----------------------------------------------------------

    def log_text(self):
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""

    def log_tail(self, n=40):
        lines = self.log_text().splitlines()[-n:]
        return "--- tendd log tail ---\n" + "\n".join(lines)

    # -- tendctl -------------------------------------------------------

    def ctl(self, *args, json=False, timeout=10, check=None, sock=False):
        """Run tendctl -c CONF ARGS; (rc, out, err).  CHECK: expected rc,
        asserted (None: not checked)."""
        argv = [str(TENDCTL)]
        argv += ["-s", str(self.sock)] if sock else ["-c", str(self.conf)]
        if json:
            argv.append("--json")
        argv += [str(a) for a in args]
        r = run(argv, timeout=timeout, cwd=self.dir)
        if check is not None and r.rc != check:
            raise AssertionError(
                f"{' '.join(argv[1:])}: exit {r.rc}, expected {check}\n"
                f"stdout: {r.out!r}\nstderr: {r.err!r}\n{self.log_tail()}")
        return r

    def status_json(self, *names):
        r = self.ctl("status", *names, json=True)
        assert r.rc in (EXIT_OK, EXIT_NOTRUNNING), \
            f"status --json: exit {r.rc}: {r.err}\n{self.log_tail()}"
        try:
            doc = jsonlib.loads(r.out)
        except ValueError as e:
            raise AssertionError(f"status --json is not JSON ({e}): "
                                 f"{r.out!r}")
        return normalize_status_json(doc)

    def wait_request(self, pid, rtype):
        """Wait until tendd has taken request RTYPE ("REQ_EVENTS") from
        the client process PID (needs loglevel=debug): a subscription is
        in place, with no sleep guessing how long that takes."""
        line = f"control client {pid}: {rtype} ("
        self.wait_until(lambda: line in self.log_text(),
                        what=f"tendd to take {rtype} from {pid}")

    def history(self, name=None):
        """The events history (tendctl events --since 0), oldest first,
        only NAME's if given: the order and times of state changes by
        tendd's own clock, which no slow poller can miss."""
        r = self.ctl("events", "--no-follow", "--since", "0", json=True,
                     check=EXIT_OK)
        evs = [jsonlib.loads(x) for x in r.out.splitlines()]
        return [e for e in evs if name is None or e["fullname"] == name]

    def status_of(self, name):
        """NAME's record from status --json (None if absent)."""
        return self.status_json().get(name)

    def state(self, name):
        rec = self.status_of(name)
        assert rec is not None, f"{name} not in status --json"
        return rec.get("state")

    def status_text(self, *names):
        r = self.ctl("status", *names)
        return r.rc, parse_status_text(r.out), r.out

    def pid_of(self, name):
        rec = self.status_of(name)
        return rec.get("pid") if rec else None

    # -- waiting -------------------------------------------------------

    def wait_until(self, pred, timeout=10, interval=0.02, what=None,
                   tendd_alive=True):
        """Poll PRED until true; raise with tendd's log tail on timeout
        (or at once if tendd died, unless TENDD_ALIVE is False).
        TIMEOUT is raised to LIVENESS."""
        timeout = live(timeout)
        deadline = time.monotonic() + timeout
        last = None
        while True:
            if tendd_alive and self.proc is not None and not self.alive():
                raise WaitTimeout(
                    f"tendd exited (status {self.proc.returncode}) while "
                    f"waiting for {what or pred.__name__}; last: {last!r}\n"
                    f"{self.log_tail()}")
            last = pred()
            if last:
                return last
            if time.monotonic() >= deadline:
                raise WaitTimeout(
                    f"timed out after {timeout} s waiting for "
                    f"{what or getattr(pred, '__name__', 'condition')}; "
                    f"last value: {last!r}\n{self.log_tail()}")
            time.sleep(interval)

    def wait_state(self, name, *states, timeout=10):
        """Wait until NAME is in one of STATES; return its record."""
        seen = []

        def check():
            rec = self.status_of(name)
            st = rec.get("state") if rec else None
            if not seen or seen[-1] != st:
                seen.append(st)
            return rec if st in states else None
        try:
            return self.wait_until(check, timeout,
                                   what=f"{name} in {'/'.join(states)}")
        except WaitTimeout as e:
            raise WaitTimeout(f"{name}: states seen {seen}\n{e}") from None

    def wait_rec(self, name, pred, timeout=10, what=None):
        """Wait until PRED(NAME's status --json record) is true; return
        the record."""
        def check():
            rec = self.status_of(name)
            return rec if rec is not None and pred(rec) else None
        return self.wait_until(check, timeout, what=what or f"{name} "
                               "to match")

    def wait_all(self, state="RUNNING", timeout=10):
        """Wait until every process is in STATE; return status --json."""
        def check():
            s = self.status_json()
            return s if all(r["state"] == state for r in s.values()) \
                else None
        return self.wait_until(check, timeout, what=f"everything {state}")

    def stays(self, pred, duration, interval=0.05, what="condition"):
        """Assert PRED holds throughout DURATION seconds (a behaviour
        check: 'stays EXITED', not a sleep to let things settle)."""
        deadline = time.monotonic() + duration
        while time.monotonic() < deadline:
            v = pred()
            assert v, f"{what} stopped holding: {v!r}\n{self.log_tail()}"
            time.sleep(interval)


def run(argv, timeout=10, **kw):
    """Run a command to completion; CtlResult.  Never leaves it running.
    TIMEOUT is raised to LIVENESS."""
    timeout = live(timeout)
    p = subprocess.Popen([str(a) for a in argv], stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         **kw)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        raise AssertionError(f"{' '.join(map(str, argv))}: no answer in "
                             f"{timeout} s (killed); out {out!r} "
                             f"err {err!r}")
    return CtlResult(p.returncode, out.decode(errors="replace"),
                     err.decode(errors="replace"))


def make_stale_socket(path):
    """Leave a UNIX socket file nobody listens on at PATH."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(str(path))
    s.close()


@contextlib.contextmanager
def syslog_listener(monkeypatch):
    """A datagram socket standing in for /dev/log (TEND_SYSLOG_SOCKET is
    set to it for tendd); yields it, with a liveness timeout on recv."""
    d = tempfile.mkdtemp(prefix="tend-syslog-")
    path = os.path.join(d, "log")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        s.bind(path)
        s.settimeout(LIVENESS)
        monkeypatch.setenv("TEND_SYSLOG_SOCKET", path)
        yield s
    finally:
        s.close()
        shutil.rmtree(d, ignore_errors=True)


# ---------------------------------------------------------------------------
# Debian's real supervisord, for tests that prove an expectation against it

SUPERVISORD = shutil.which("supervisord")
SUPERVISORCTL = shutil.which("supervisorctl")


class Supervisord:
    """supervisord -n on a config written like Tend's (same start(),
    write_config(), subst(), sock, dir, log_text()), so one test body runs
    against either: a fixture parametrized "tend"/"supervisord" hands out
    a Tend or one of these.  teardown() stops it by its PID."""

    name = "supervisord"

    def __init__(self, tmp_path):
        self.dir = Path(tmp_path)
        self.conf = self.dir / "supervisord.conf"
        self.log = self.dir / "supervisord.log"
        self.sock = self.dir / "sd.sock"
        self.proc = None

    def subst(self, text):
        return text.format(H=HELPERS, T=self.dir, B=BUILDDIR)

    def header(self, extra=""):
        extra = textwrap.dedent(self.subst(extra)).strip()
        return (f"[unix_http_server]\nfile={self.sock}\n\n"
                f"[supervisord]\nlogfile={self.log}\n"
                f"pidfile={self.dir}/supervisord.pid\n"
                f"childlogdir={self.dir}\nnodaemon=true\n"
                + (extra + "\n" if extra else "") +
                "\n[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory"
                " = supervisor.rpcinterface:make_main_rpcinterface\n\n")

    def write_config(self, body, header=True, extra=""):
        text = textwrap.dedent(self.subst(body)).lstrip("\n")
        if header:
            text = self.header(extra) + text
        self.conf.write_text(text)
        return self.conf

    def start(self, body=None, header=True, extra=""):
        """Write the config (if BODY), start supervisord, wait until its
        socket answers XML-RPC."""
        if body is not None:
            self.write_config(body, header=header, extra=extra)
        assert self.proc is None, "supervisord already started"
        self.proc = subprocess.Popen(
            [SUPERVISORD, "-n", "-c", str(self.conf)], cwd=self.dir,
            env={k: v for k, v in os.environ.items()
                 if not k.startswith("SUPERVISOR_")},
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)

        def up():
            assert self.proc.poll() is None, \
                f"supervisord exited ({self.proc.returncode})\n" + \
                self.log_text()[-3000:]
            try:
                c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                c.connect(str(self.sock))
                c.close()
                return True
            except OSError:
                return False
        assert poll(up, 20), "supervisord never listened"
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log_text(self):
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""

    def log_tail(self, n=40):
        lines = self.log_text().splitlines()[-n:]
        return "--- supervisord log tail ---\n" + "\n".join(lines)

    def teardown(self):
        """Stop supervisord and everything it started, by PID: frozen
        first (SIGSTOP: it spawns nothing more), then each descendant and
        supervisord SIGKILLed.  (Its own SIGTERM shutdown reaps once a
        second and took 5 s a test.)  A list of problems, like
        Tend.teardown()."""
        if self.proc is None or self.proc.poll() is not None:
            return [] if self.proc is None else \
                [f"supervisord died during the test ({self.proc.returncode})"]
        os.kill(self.proc.pid, signal.SIGSTOP)
        kids = descendants(self.proc.pid)
        for pid, st in kids.items():
            if is_alive(pid, st.starttime):
                os.kill(pid, signal.SIGKILL)
        self.proc.kill()
        self.proc.wait()
        problems = [f"left behind: pid {pid}" for pid, st in kids.items()
                    if not wait_gone(pid, 5, st.starttime)]
        reap_zombie_children(exclude=DAEMONS)
        return problems
