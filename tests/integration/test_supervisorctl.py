"""Debian's real supervisorctl and Prometheus node_exporter's supervisord
collector against tendd, unchanged: every verb of supervisorctl, `tail
-f` and `maintail -f` (the /logtail HTTP streams), and a scrape.  The
same supervisorctl run against Debian's real supervisord on the same
config shows the expected output is supervisord's own.

Needs Debian's `supervisor` and `prometheus-node-exporter` (dev.sh
installs them); each test is skipped without its tool."""

import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request

import pytest

import tendlib

SUPERVISORCTL = shutil.which("supervisorctl")
SUPERVISORD = shutil.which("supervisord")
NODE_EXPORTER = shutil.which("prometheus-node-exporter")

pytestmark = [pytest.mark.skipif(SUPERVISORCTL is None,
                                 reason="supervisorctl is not installed"),
              pytest.mark.peer]

BODY = """
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://{sock}

[program:web]
command=/bin/sh -c 'echo hello-out; echo hello-err >&2; exec sleep 1000'
startsecs=0

[program:pool]
command=sleep 1000
numprocs=2
process_name=%(program_name)s_%(process_num)d
startsecs=0

[program:idle]
command=sleep 1000
autostart=false
startsecs=0
"""


def ctl(conf, *args, timeout=30):
    # A liveness bound: real supervisord's `start all` waits for every
    # start and took over 30 s at load 30+; one supervisorctl run (a
    # Python program) took over 60 s at load 54.
    r = subprocess.run([SUPERVISORCTL, "-c", str(conf), *args],
                       capture_output=True, text=True,
                       timeout=5 * tendlib.live(timeout),
                       stdin=subprocess.DEVNULL)
    return r.returncode, r.stdout + r.stderr


def start_tend(tend):
    tend.start(BODY.replace("{sock}", str(tend.sock)),
               extra="logfile={T}/tendd-main.log")
    for n in ("web", "pool:pool_0", "pool:pool_1"):
        tend.wait_state(n, "RUNNING")
    return tend.conf


def every_verb(conf, wait_state):
    """Run supervisorctl's verbs on CONF; return their outputs."""
    out = {}
    out["status"] = ctl(conf, "status")
    out["status web"] = ctl(conf, "status", "web", "pool:*")
    out["start idle"] = ctl(conf, "start", "idle")
    out["start idle again"] = ctl(conf, "start", "idle")
    out["stop idle"] = ctl(conf, "stop", "idle")
    out["stop idle again"] = ctl(conf, "stop", "idle")
    out["restart pool:*"] = ctl(conf, "restart", "pool:*")
    wait_state("pool:pool_0", "RUNNING")
    out["signal HUP idle"] = ctl(conf, "signal", "HUP", "idle")
    out["signal bogus"] = ctl(conf, "signal", "BOGUS", "web")
    out["start nosuch"] = ctl(conf, "start", "nosuch")
    out["tail web"] = ctl(conf, "tail", "web")
    out["tail web stderr"] = ctl(conf, "tail", "web", "stderr")
    out["clear web"] = ctl(conf, "clear", "web")
    out["avail"] = ctl(conf, "avail")
    out["reread"] = ctl(conf, "reread")
    out["update"] = ctl(conf, "update")
    out["stop all"] = ctl(conf, "stop", "all")
    out["start all"] = ctl(conf, "start", "all")
    wait_state("web", "RUNNING")
    return out


def check_verbs(out):
    rc, text = out["status"]
    lines = text.splitlines()
    assert [l.split()[:2] for l in lines] == [
        ["idle", "STOPPED"], ["pool:pool_0", "RUNNING"],
        ["pool:pool_1", "RUNNING"], ["web", "RUNNING"]], text
    assert re.search(r"web +RUNNING +pid \d+, uptime 0:00:\d\d", text)
    assert rc == 3  # idle is not running (supervisorctl 4.2)
    assert len(out["status web"][1].splitlines()) == 3
    assert out["start idle"] == (0, "idle: started\n")
    assert out["start idle again"][1] == "idle: ERROR (already started)\n"
    assert out["stop idle"] == (0, "idle: stopped\n")
    assert out["stop idle again"][1] == "idle: ERROR (not running)\n"
    assert sorted(out["restart pool:*"][1].splitlines()) == [
        "pool:pool_0: started", "pool:pool_0: stopped",
        "pool:pool_1: started", "pool:pool_1: stopped"]
    assert out["signal HUP idle"][1] == "idle: ERROR (not running)\n"
    assert out["signal bogus"][1] == "web: ERROR (bad signal name)\n"
    assert out["start nosuch"][1] == "nosuch: ERROR (no such process)\n"
    assert "hello-out" in out["tail web"][1]
    assert "hello-err" in out["tail web stderr"][1]
    assert out["clear web"] == (0, "web: cleared\n")
    assert re.search(r"^web +in use +auto +999:999$", out["avail"][1], re.M)
    assert out["reread"] == (0, "No config updates to processes\n")
    assert out["update"][0] == 0
    assert sorted(out["stop all"][1].splitlines()) == [
        "pool:pool_0: stopped", "pool:pool_1: stopped", "web: stopped"]
    assert sorted(out["start all"][1].splitlines()) == [
        "idle: started", "pool:pool_0: started", "pool:pool_1: started",
        "web: started"]


def test_every_verb(tend):
    conf = start_tend(tend)
    check_verbs(every_verb(conf, tend.wait_state))
    rc, text = ctl(conf, "pid")
    assert text.strip() == str(tend.pid)
    rc, text = ctl(conf, "pid", "web")
    assert text.strip() == str(tend.pid_of("web"))
    rc, text = ctl(conf, "version")
    assert text.strip() == tendlib.package_version()
    rc, text = ctl(conf, "maintail")
    assert "spawned: 'web'" in text


def test_update_add_remove(tend):
    conf = start_tend(tend)
    text = conf.read_text()
    conf.write_text(text.replace("numprocs=2", "numprocs=3").replace(
        "[program:idle]", "[program:idle2]"))
    rc, out = ctl(conf, "reread")
    assert sorted(out.splitlines()) == [
        "idle2: available", "idle: disappeared", "pool: changed"], out
    rc, out = ctl(conf, "update")
    assert rc == 0, out
    assert "idle: removed process group" in out
    assert "idle2: added process group" in out
    assert "pool: updated process group" in out
    tend.wait_state("pool:pool_2", "RUNNING")
    rc, out = ctl(conf, "remove", "idle2")
    assert out == "idle2: removed process group\n"
    rc, out = ctl(conf, "add", "idle2")
    assert out == "idle2: added process group\n"
    rc, out = ctl(conf, "remove", "web")
    assert out == "ERROR: process/group still running: web\n"
    rc, out = ctl(conf, "reload")
    assert out == "Restarted supervisord\n"
    tend.wait_state("web", "RUNNING")


def test_shutdown(tend):
    conf = start_tend(tend)
    rc, out = ctl(conf, "shutdown")
    assert (rc, out) == (0, "Shut down\n")
    tend.expect_dead = True
    assert tend.proc.wait(tendlib.live(15)) == 0


def follow(conf, *args, want, timeout=20):
    """Run supervisorctl ARGS (tail -f ...) until WANT is in its
    output; stop it (our child) and return the output."""
    # (supervisorctl's output to a pipe is block-buffered otherwise)
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    p = subprocess.Popen([SUPERVISORCTL, "-c", str(conf), *args],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL, env=env)
    os.set_blocking(p.stdout.fileno(), False)
    got = b""
    deadline = time.monotonic() + tendlib.live(timeout)
    try:
        while want.encode() not in got and time.monotonic() < deadline:
            try:
                b = p.stdout.read()
            except BlockingIOError:
                b = None
            if b:
                got += b
            elif p.poll() is not None:
                break
            else:
                time.sleep(0.05)
    finally:
        p.kill()
        p.wait()
    return got.decode(errors="replace")


def test_tail_f_follows(tend):
    tend.start(BODY.replace("{sock}", str(tend.sock)) + """
[program:ticker]
command=/bin/sh -c 'i=0; while true; do i=$((i+1)); echo tick-$i; sleep 0.2; done'
startsecs=0
""", extra="logfile={T}/tendd-main.log")
    tend.wait_state("ticker", "RUNNING")
    # A line written after the follower started (one that starts late
    # on a loaded machine joins after the first lines have gone by).
    now = tend.ctl("tail", "ticker", check=tendlib.EXIT_OK).out
    last = max([int(n) for n in re.findall(r"tick-(\d+)", now)] or [0])
    want = f"tick-{last + 3}\n"
    out = follow(tend.conf, "tail", "-f", "ticker", want=want,
                 timeout=5 * tendlib.LIVENESS)
    assert want in out, out
    out = follow(tend.conf, "tail", "-f", "web", "stderr", want="hello-err")
    assert "hello-err" in out, out
    out = follow(tend.conf, "maintail", "-f", want="ticker")
    assert "spawned: 'ticker'" in out, out


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.mark.skipif(NODE_EXPORTER is None,
                    reason="prometheus-node-exporter is not installed")
def test_node_exporter(tend, tmp_path):
    start_tend(tend)
    port = free_port()
    log = open(tmp_path / "node_exporter.log", "wb")
    p = subprocess.Popen([NODE_EXPORTER, "--collector.disable-defaults",
                          "--collector.supervisord",
                          f"--collector.supervisord.url=unix://{tend.sock}",
                          f"--web.listen-address=127.0.0.1:{port}"],
                         stdout=log, stderr=log, stdin=subprocess.DEVNULL)
    try:
        text = None
        deadline = time.monotonic() + tendlib.live(20)
        while text is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(
                        f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
                    text = r.read().decode()
            except OSError:
                time.sleep(0.1)
        assert text is not None, "node_exporter never answered"
    finally:
        p.terminate()
        p.wait(tendlib.live(10))
        log.close()
    assert 'node_scrape_collector_success{collector="supervisord"} 1' in text
    assert re.search(r'node_supervisord_state\{group="web",name="web"\} 20',
                     text), text
    assert re.search(r'node_supervisord_up\{group="pool",name="pool_1"\} 1',
                     text), text
    assert 'node_supervisord_state{group="idle",name="idle"} 0' in text


@pytest.mark.skipif(SUPERVISORD is None, reason="supervisord is not installed")
def test_same_verbs_against_real_supervisord(tmp_path):
    """The expectations of test_every_verb hold for supervisord itself."""
    sock = tmp_path / "sd.sock"
    conf = tmp_path / "supervisord.conf"
    conf.write_text(f"[unix_http_server]\nfile={sock}\n\n"
                    f"[supervisord]\nlogfile={tmp_path}/sd.log\n"
                    f"pidfile={tmp_path}/sd.pid\nchildlogdir={tmp_path}\n"
                    "nodaemon=true\n" + BODY.replace("{sock}", str(sock)))
    p = subprocess.Popen([SUPERVISORD, "-n", "-c", str(conf)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         stdin=subprocess.DEVNULL)
    try:
        def state(name):
            rc, out = ctl(conf, "status", name)
            return out.split()[1] if out.split()[1:] else None

        def wait_state(name, want):
            deadline = time.monotonic() + tendlib.live(20)
            while state(name) != want:
                assert time.monotonic() < deadline, f"{name} never {want}"
                time.sleep(0.1)
        for n in ("web", "pool:pool_0", "pool:pool_1"):
            wait_state(n, "RUNNING")
        check_verbs(every_verb(conf, wait_state))
    finally:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(tendlib.live(20))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
