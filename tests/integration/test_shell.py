"""tendctl's interactive shell, driven through a pseudo-terminal: the
greeting status table, verbs and their output, Tab completion of verbs
and process names, history (up arrow), help, and exit."""

import os
import pty
import select
import shutil
import signal
import subprocess
import time

import pytest

import tendlib
from tendlib import TENDCTL

CONF = """
[program:web]
command={H}/sleeper
startsecs=0
stopwaitsecs=1

[program:worker]
command={H}/sleeper
autostart=false
"""


class Pty:
    def __init__(self, argv):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.environ["TERM"] = "xterm"
            os.environ.pop("INPUTRC", None)
            os.execv(argv[0], argv)
        self.buf = b""

    def expect(self, text, timeout=5):
        text = text.encode() if isinstance(text, str) else text
        timeout = tendlib.live(timeout)
        deadline = time.monotonic() + timeout
        while text not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{text!r} not seen in {self.buf!r}")
            r, _, _ = select.select([self.fd], [], [], left)
            if r:
                try:
                    chunk = os.read(self.fd, 4096)
                except OSError:
                    chunk = b""
                if not chunk:
                    raise AssertionError(f"EOF before {text!r}: "
                                         f"{self.buf!r}")
                self.buf += chunk
        i = self.buf.index(text) + len(text)
        seen, self.buf = self.buf[:i], self.buf[i:]
        return seen.decode(errors="replace")

    def send(self, s):
        os.write(self.fd, s.encode())

    def close(self):
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(self.pid, 0)
        os.close(self.fd)


@pytest.fixture
def shell(tend):
    tend.start(CONF)
    tend.wait_state("web", "RUNNING")
    sh = Pty([str(TENDCTL), "-c", str(tend.conf)])
    yield sh
    sh.close()


def test_shell_greets_and_runs_verbs(shell):
    out = shell.expect("tend> ")
    assert "web" in out and "RUNNING" in out, out      # the status table
    shell.send("status worker\r")
    out = shell.expect("tend> ")
    assert "worker" in out and "STOPPED" in out, out
    shell.send("help start\r")
    assert "start [-t SECS] NAME..." in shell.expect("tend> ")
    shell.send("nosuchverb\r")
    assert "unknown verb: nosuchverb" in shell.expect("tend> ")


def test_shell_completes_verbs_and_names(shell, tend):
    """The echo is redrawn by libedit, so the effect is what is checked:
    "stat<Tab>wor<Tab><Enter>" must run "status worker"."""
    shell.expect("tend> ")
    shell.send("stat\t")       # -> "status "
    time.sleep(0.2)
    shell.send("wor\t")        # process names after the verb -> "worker "
    time.sleep(0.2)
    shell.send("\r")
    out = shell.expect("tend> ")
    assert "worker" in out and "STOPPED" in out, out
    assert "unknown verb" not in out, out
    shell.send("star\t")       # -> "start "
    time.sleep(0.2)
    shell.send("worker\r")
    assert "worker: started" in shell.expect("tend> ", timeout=10)
    assert tend.state("worker") == "RUNNING"


def test_shell_history_and_exit(shell, tend):
    shell.expect("tend> ")
    shell.send("pid web\r")
    out = shell.expect("tend> ")
    assert str(tend.pid_of("web")) in out, out
    shell.send("\x1b[A")        # up arrow: the previous line again
    shell.expect("pid web")
    shell.send("\r")
    out = shell.expect("tend> ")
    assert str(tend.pid_of("web")) in out, out
    shell.send("quit\r")
    deadline = time.monotonic() + tendlib.LIVENESS
    while time.monotonic() < deadline:
        pid, status = os.waitpid(shell.pid, os.WNOHANG)
        if pid:
            assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
            shell.pid = None
            break
        time.sleep(0.05)
    else:
        raise AssertionError("shell did not exit on quit")
    shell.close = lambda: os.close(shell.fd)


def test_only_the_shell_loads_libedit():
    """libedit is dlopen()ed when the shell starts, not linked: other runs
    of tendctl do not pay for loading it (HACKING.md).  The history test
    above shows the shell still gets it."""
    readelf = shutil.which("readelf")
    if readelf is None:
        pytest.skip("readelf is not installed")
    r = subprocess.run([readelf, "-d", str(TENDCTL)], capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert "(NEEDED)" in r.stdout, r.stdout
    assert "libedit" not in r.stdout, r.stdout
