"""Protocol versions: tendctl and tendd agree on the highest version both
speak (HELLO carries a range), so a new tendctl still runs `status` and
`shutdown` against a tendd of protocol 8, and a tendctl of protocol 8 is
still served by a new tendd.  A fake tendd of protocol 8 (below, as tendd
8 behaved: it refuses any HELLO whose first field is not 8) stands in for
the old daemon."""

import socket
import struct
import threading

from tendlib import EXIT_OK, TENDCTL, run
from test_hostile import frame, pstr

HELLO, ERROR, END, RECORD = 1, 2, 3, 4
STATUS, START, SHUTDOWN, START_T, STATUS_FULL = 100, 101, 108, 131, 160
OPTS_MARK = 0xFFFF

CONF = """
[program:web]
command={H}/sleeper
startsecs=0
stopwaitsecs=1
"""


def read_frame(s):
    """(type, id, body) of the next frame; None at EOF."""
    hdr = b""
    while len(hdr) < 4:
        chunk = s.recv(4 - len(hdr))
        if not chunk:
            return None
        hdr += chunk
    (n,) = struct.unpack(">I", hdr)
    rest = b""
    while len(rest) < n:
        chunk = s.recv(n - len(rest))
        if not chunk:
            return None
        rest += chunk
    type_, rid = struct.unpack(">HI", rest[:6])
    return type_, rid, rest[6:]


def strings(body):
    out, off = [], 0
    while off < len(body):
        (n,) = struct.unpack(">H", body[off:off + 2])
        out.append(body[off + 2:off + 2 + n].decode())
        off += n + 3
    return out


def record(rid, **kv):
    return frame(RECORD, rid, b"".join(pstr(k) + pstr(str(v))
                                       for k, v in kv.items()))


class FakeTendd8:
    """A tendd of protocol 8 on PATH: status, status --json, start -t and
    shutdown, as that version answered them.  Records what it was
    asked."""

    def __init__(self, path):
        self.path = path
        self.asked = []
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(str(path))
        self.sock.listen(8)
        self.sock.settimeout(30)
        self.done = False
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while not self.done:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            with c:
                c.settimeout(30)
                self.session(c)

    def session(self, c):
        f = read_frame(c)
        if f is None or f[0] != HELLO:
            return
        (version,) = struct.unpack(">I", f[2][:4])
        if version != 8:
            c.sendall(frame(ERROR, f[1], pstr(
                f"tendd: protocol version mismatch: client speaks "
                f"{version}, tendd 0.0.8 speaks 8")))
            return
        c.sendall(frame(HELLO, f[1], struct.pack(">I", 8)
                        + pstr("tend 0.0.8") + struct.pack(">I", 4242)))
        while (f := read_frame(c)) is not None:
            type_, rid, body = f
            self.asked.append((type_, strings(body)))
            if type_ == STATUS:
                c.sendall(record(rid, fullname="web", state="RUNNING",
                                 description="pid 77, uptime 0:01:00"))
            elif type_ == STATUS_FULL:
                c.sendall(record(rid, fullname="web", state="RUNNING",
                                 description="pid 77, uptime 0:01:00",
                                 name="web", group="web", statecode=20,
                                 pid=77, spawns=1))
            elif type_ == START_T:
                c.sendall(record(rid, name="web", fault=2,
                                 result="already started"))
            elif type_ == SHUTDOWN:
                c.sendall(frame(END, rid))
                self.done = True
                return
            else:
                c.sendall(frame(ERROR, rid, pstr("tendd: unknown request")))
                return
            c.sendall(frame(END, rid))

    def close(self):
        self.done = True
        self.sock.close()


def ctl(sock, *args):
    return run([str(TENDCTL), "-s", str(sock)] + [str(a) for a in args],
               timeout=30)


def test_new_tendctl_runs_status_and_shutdown_on_a_protocol_8_tendd(
        tmp_path):
    sock = tmp_path / "old.sock"
    fake = FakeTendd8(sock)
    try:
        r = ctl(sock, "status")
        assert r.rc == EXIT_OK, r
        assert r.out.split()[:2] == ["web", "RUNNING"], r
        r = ctl(sock, "status", "--json")
        assert r.rc == EXIT_OK, r
        assert '"spawns":1' in r.out, r
        # start -t: protocol 8 had START_T, the timeout first.
        r = ctl(sock, "start", "-t", "5", "web")
        assert "already started" in r.out + r.err, r
        r = ctl(sock, "shutdown")
        assert r.rc == EXIT_OK, r
        types = [t for t, _ in fake.asked]
        assert types == [STATUS, STATUS_FULL, START_T, SHUTDOWN], fake.asked
        assert fake.asked[2][1] == ["5", "web"], fake.asked
    finally:
        fake.close()


def hello_and(tend, hello_body, *frames):
    """Send a HELLO with HELLO_BODY and FRAMES; the frames of the reply
    up to the first END or ERROR after the HELLO."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect(str(tend.sock))
    s.sendall(frame(HELLO, 1, hello_body) + b"".join(frames))
    got = []
    with s:
        while (f := read_frame(s)) is not None:
            got.append(f)
            if f[0] == ERROR or (f[0] == END and len(got) > 1):
                break
    return got


def test_a_protocol_8_client_is_served_with_the_old_variants(tend):
    tend.start(CONF)
    tend.wait_all()
    # tendctl 8: HELLO without a range, STATUS_FULL, START_T.
    got = hello_and(tend, struct.pack(">I", 8) + pstr("tendctl 8"),
                    frame(STATUS_FULL, 2, pstr("web")))
    assert got[0][0] == HELLO and struct.unpack(">I", got[0][2][:4]) == (8,)
    kv = strings(got[1][2])
    rec = dict(zip(kv[::2], kv[1::2]))
    assert rec["fullname"] == "web" and "spawns" in rec, rec
    got = hello_and(tend, struct.pack(">I", 8) + pstr("tendctl 8"),
                    frame(START_T, 2, pstr("5") + pstr("web")))
    kv = strings(got[1][2])
    assert dict(zip(kv[::2], kv[1::2]))["result"] == "already started", kv


def test_version_ranges_and_unknown_options(tend):
    tend.start(CONF)
    tend.wait_all()
    # A range that ends below what tendd speaks: refused, saying why.
    got = hello_and(tend, struct.pack(">I", 1) + pstr("ancient")
                    + struct.pack(">I", 7))
    assert got[0][0] == ERROR
    assert "protocol version mismatch" in strings(got[0][2])[0]
    # A range reaching past tendd's: tendd picks its own highest.
    got = hello_and(tend, struct.pack(">I", 8) + pstr("future")
                    + struct.pack(">I", 1000),
                    frame(STATUS, 2, struct.pack(">HH", OPTS_MARK, 1)
                          + pstr("bogus") + pstr("1")))
    (v,) = struct.unpack(">I", got[0][2][:4])
    assert v >= 9
    # An option the request's row does not list is refused.
    assert got[1][0] == ERROR
    assert strings(got[1][2])[0] == "STATUS: unknown option bogus"


def test_clients_hanging_up_do_not_flood_the_log(tend):
    """Each client that hangs up inside a request costs a warning; a flood
    of them is rate-limited (at most 10 in 10 seconds), and tendd still
    answers."""
    tend.start(CONF)
    tend.wait_all()
    for i in range(100):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(str(tend.sock))
        # Half of a HELLO, then gone.
        s.sendall(frame(HELLO, 1, struct.pack(">I", 8) + pstr("x"))[:7])
        s.close()
    r = ctl(tend.sock, "status")
    assert r.rc == EXIT_OK, r
    tend.wait_until(lambda: tend.log_text().count(
        "hung up inside a frame") >= 1, what="the first warning")
    # Every hang-up has been seen once a later client is answered: the
    # sockets are read in order.  Negative control: the warnings came.
    n = tend.log_text().count("hung up inside a frame")
    assert 1 <= n <= 10, tend.log_tail()


def test_control_socket_answers_with_no_descriptor_left(tend):
    """tendd at its descriptor limit (as with `ulimit -n 64` and many
    logged services) still answers on the control socket: a descriptor is
    kept in reserve for one client.  It used to rest the listener and
    retry for good, so not even shutdown got through."""
    import os
    import resource
    tend.start(CONF)
    tend.wait_all()
    pid = tend.proc.pid
    soft, hard = resource.prlimit(pid, resource.RLIMIT_NOFILE)

    def lowest_free():
        fds = {int(f) for f in os.listdir(f"/proc/{pid}/fd")}
        return min(set(range(len(fds) + 1)) - fds)

    try:
        # The limit at the lowest free number: below it every descriptor
        # is taken, and the kernel hands out the lowest free one, so no
        # new descriptor can be had (those above it stay open).  A
        # descriptor tendd closes meanwhile (the last client's) opens a
        # gap: then try again.
        for _ in range(20):
            resource.prlimit(pid, resource.RLIMIT_NOFILE,
                             (lowest_free(), hard))
            r = ctl(tend.sock, "status")
            assert r.rc == EXIT_OK, (r, tend.log_tail())
            assert r.out.split()[:2] == ["web", "RUNNING"], r
            if "serving one client from the reserve" in tend.log_text():
                break
        assert "serving one client from the reserve" in tend.log_text()
    finally:
        resource.prlimit(pid, resource.RLIMIT_NOFILE, (soft, hard))
    r = ctl(tend.sock, "status")
    assert r.rc == EXIT_OK, r
