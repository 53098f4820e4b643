"""Hostile and broken control clients (issue 5): garbage, half a frame
then silence, hundreds of connections, a client that never reads its
replies, one that hangs up mid-reply, and accept() running out of
descriptors.  In every case a concurrent good `tendctl status` must still
answer (within the liveness bound: how fast is bench/'s business), and
tendd and its services carry on."""

import os
import resource
import socket
import struct
import threading
import time

import pytest

import tendlib
from tendlib import EXIT_OK

CONF = """
[program:web]
command={H}/sleeper
startsecs=0
stopwaitsecs=1

[program:pool]
command={H}/sleeper
process_name=pool_%(process_num)02d
numprocs=40
startsecs=0
stopwaitsecs=1
"""

PROTO_HELLO, PROTO_ERROR, PROTO_REQ_STATUS = 1, 2, 100
# Read from proto.h so a bump there does not break these tests.
PROTO_VERSION = None


def proto_version(tend):
    global PROTO_VERSION
    if PROTO_VERSION is None:
        from tendlib import SRCDIR
        for line in (SRCDIR / "src" / "proto.h").read_text().splitlines():
            if line.startswith("#define PROTO_VERSION"):
                PROTO_VERSION = int(line.split()[2])
    return PROTO_VERSION


def frame(type_, rid, body=b""):
    return struct.pack(">IHI", 6 + len(body), type_, rid) + body


def pstr(s):
    b = s.encode()
    return struct.pack(">H", len(b)) + b + b"\0"


def hello(tend):
    return frame(PROTO_HELLO, 1,
                 struct.pack(">I", proto_version(tend)) + pstr("hostile"))


def connect(tend):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(str(tend.sock))
    return s


def good_status(tend):
    """A well-behaved status must answer (tend.ctl fails the test when
    no answer comes within tendlib.LIVENESS)."""
    r = tend.ctl("status", "web")
    assert r.rc == EXIT_OK, r
    assert "RUNNING" in r.out


def running(tend):
    tend.start(CONF)
    tend.wait_until(lambda: all(r["state"] == "RUNNING" for r in
                                tend.status_json().values()),
                    what="everything RUNNING")
    return tend.pid_of("web")


def recv_all(s, timeout=tendlib.LIVENESS):
    s.settimeout(timeout)
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    return data


@pytest.mark.parametrize("junk", [
    b"\xff" * 64,                      # length far above the cap
    struct.pack(">I", 2) + b"ab",      # length below the header
    frame(999, 7),                     # unknown message type
    frame(PROTO_REQ_STATUS, 3),        # a request before HELLO
], ids=["oversized", "undersized", "unknown-type", "no-hello"])
def test_garbage_is_refused_and_dropped(tend, junk):
    running(tend)
    s = connect(tend)
    s.sendall(junk)
    data = recv_all(s)
    s.close()
    # tendd says why (an ERROR frame), then hangs up.
    assert len(data) >= 10, data
    assert struct.unpack(">H", data[4:6])[0] == PROTO_ERROR, data
    assert b"tendd: " in data, data
    good_status(tend)
    assert tend.alive()


def test_half_a_frame_then_stall(tend):
    running(tend)
    stalled = []
    for _ in range(20):
        s = connect(tend)
        s.sendall(hello(tend)[:7])   # half a HELLO, then nothing
        stalled.append(s)
    for _ in range(5):
        good_status(tend)
    # The deadline (10 s) drops them: each reads EOF.  The log says so,
    # in at most 10 lines (warnings about clients are rate-limited).
    for s in stalled:
        s.settimeout(tendlib.LIVENESS)
        assert s.recv(1) == b""
        s.close()
    n = tend.log_text().count("stalled")
    assert 1 <= n <= 10, n
    good_status(tend)


def test_hundreds_of_connections(tend):
    """300 idle connections (5 times the client limit) while status runs
    in a loop: the longest-idle ones are evicted, status always answers."""
    running(tend)
    socks, errors = [], []
    stop = threading.Event()

    def flood():
        try:
            for _ in range(300):
                socks.append(connect(tend))
        except OSError as e:
            errors.append(e)
        stop.set()
    t = threading.Thread(target=flood)
    t.start()
    answered = 0
    while not stop.is_set() or answered < 5:
        good_status(tend)
        answered += 1
    t.join()
    assert not errors, errors
    good_status(tend)
    assert "the longest without progress" in tend.log_text()
    for s in socks:
        s.close()
    good_status(tend)


def test_client_that_never_reads(tend):
    """Requests pipelined without ever reading a reply: tendd stops
    reading from it once a reply is unsent, holds one reply at most, and
    drops it after the deadline."""
    running(tend)
    s = connect(tend)
    s.setblocking(False)
    req = hello(tend) + frame(PROTO_REQ_STATUS, 2) * 2000
    sent = 0
    deadline = time.monotonic() + 3
    while sent < len(req) and time.monotonic() < deadline:
        try:
            sent += s.send(req[sent:])
        except BlockingIOError:
            good_status(tend)
            time.sleep(0.05)
    rss0 = rss_kb(tend.pid)
    for _ in range(5):
        good_status(tend)
    assert rss_kb(tend.pid) - rss0 < 20000, "tendd grew while stalled"
    tend.wait_until(lambda: "reply stalled" in tend.log_text(),
                    timeout=20, what="the non-reader dropped")
    s.close()
    good_status(tend)


def test_disconnect_mid_reply(tend):
    running(tend)
    for _ in range(50):
        s = connect(tend)
        s.sendall(hello(tend) + frame(PROTO_REQ_STATUS, 2))
        s.recv(10)                  # a piece of the HELLO reply
        s.close()
    good_status(tend)
    web = tend.pid_of("web")
    assert tend.alive() and web
    assert tend.state("pool:pool_39") == "RUNNING"


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        rest = f.read().rsplit(")", 1)[1].split()
    return int(rest[11]) + int(rest[12])


def poll_log(tend, text, timeout=0.3):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in tend.log_text():
            return True
        time.sleep(0.02)
    return False


def test_emfile_pauses_the_listener(tend):
    """accept() failing with EMFILE must not spin: tendd drops an idle
    client or serves one from its reserve descriptor, else rests the
    listener, and serves again once descriptors are free."""
    running(tend)
    nfds = len(os.listdir(f"/proc/{tend.pid}/fd"))
    old = resource.prlimit(tend.pid, resource.RLIMIT_NOFILE)
    hold = []
    try:
        # Room for 3 more descriptors, then connections it cannot take.
        resource.prlimit(tend.pid, resource.RLIMIT_NOFILE,
                         (nfds + 3, old[1]))
        # (fd numbers above the limit may be open too: connect until
        # accept() fails rather than counting on exactly 3)
        for _ in range(60):
            hold.append(connect(tend))
            if poll_log(tend, "out of file descriptors"):
                break
        tend.wait_until(
            lambda: "out of file descriptors" in tend.log_text(),
            timeout=5, what="accept: EMFILE logged")
        waiting = [connect(tend) for _ in range(5)]
        t0 = cpu_ticks(tend.pid)
        time.sleep(2)
        used = cpu_ticks(tend.pid) - t0
        assert used < 20, f"tendd used {used} ticks in 2 s: spinning"
        log = tend.log_text()
        warnings = log.count("out of file descriptors") + \
            log.count("Too many open files")
        # (warnings about clients: at most 10 in 10 s)
        assert warnings <= 11, f"{warnings} EMFILE warnings in ~2 s"
        for s in waiting:
            s.close()
    finally:
        for s in hold:
            s.close()
        resource.prlimit(tend.pid, resource.RLIMIT_NOFILE, old)
    # Within the pause (1 s), tendd takes connections again.
    tend.wait_until(lambda: tend.ctl("status", "web").rc == EXIT_OK,
                    timeout=5, what="status after EMFILE")
    good_status(tend)


DEPS = """
[program:db]
command=/bin/sh -c 'exit 3'
startsecs=1
startretries=1000

[program:app]
command={H}/sleeper
process_name=app_%(process_num)03d
numprocs=600
depends_on=db
autostart=false
startsecs=0
stopwaitsecs=1
"""


def control_clients(tend):
    for line in tend.ctl("metrics", check=EXIT_OK).out.splitlines():
        if line.startswith("tend_control_clients "):
            return int(float(line.split()[1]))
    raise AssertionError("no tend_control_clients in metrics")


def test_a_client_gone_while_another_completes_its_request(tend):
    """Client A waits on `start app:*` (600 processes waiting for db, which
    crash-loops) and stops reading (shutdown(SHUT_RD): tendd's sends to it
    fail with EPIPE, yet it is not at EOF).  Client B's `stop db` brings
    the 600 down inside B's own request, so A's results (over 32 KiB,
    flushed as they are built) fail to go out from B's callback: A must
    only be marked there (its remaining frames go to the shared scratch
    buffer) and freed from its own callback later, never under B's
    feet.  B's reply is whole, tendd serves on, and A's slot is freed."""
    tend.start(DEPS)
    tend.wait_until(lambda: tend.state("db") in ("BACKOFF", "STARTING"),
                    what="db crash-looping")
    base = control_clients(tend)
    a = connect(tend)
    a.sendall(hello(tend) + frame(101, 2, pstr("app:*")))
    tend.wait_until(lambda: tend.state("app:app_599") == "STARTING",
                    what="app waiting for db")
    a.shutdown(socket.SHUT_RD)
    r = tend.ctl("stop", "db", check=EXIT_OK)
    assert r.out.strip() == "db: stopped", r
    st = tend.status_json()
    assert st["db"]["state"] == "STOPPED", st["db"]
    assert all(st[f"app:app_{i:03d}"]["state"] == "STOPPED"
               for i in range(600)), "an app is not STOPPED"
    tend.wait_until(lambda: control_clients(tend) == base,
                    what="A's slot freed")
    a.close()
    r = tend.ctl("status", "db")
    assert "STOPPED" in r.out, r
    assert tend.proc.poll() is None, "tendd died"
