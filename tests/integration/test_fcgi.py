"""[fcgi-program:x] (issue 18): tendd binds socket= before the workers
start and gives it to each of numprocs workers as fd 0; the socket is kept
across their restarts, reloads that keep it, and a reexec.  Workers here
are python3 scripts that accept on fd 0, as a FastCGI server does."""

import os
import re
import signal
import socket
import stat

import pytest

import tendlib
from tendlib import TENDD, run

# Accepts on fd 0 and answers each client with its pid.  While the file
# argv[1] exists it waits before accepting (a restart in progress).
WORKER = r'''
import os, socket, sys, time
hold = sys.argv[1] if len(sys.argv) > 1 else None
while hold and os.path.exists(hold):
    time.sleep(0.02)
s = socket.socket(fileno=0)
while True:
    c, _ = s.accept()
    c.sendall(b"%d\n" % os.getpid())
    c.close()
'''


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ask_tcp(port):
    with socket.create_connection(("127.0.0.1", port),
                                  timeout=tendlib.LIVENESS) as c:
        return int(c.makefile().readline())


def ask_unix(path):
    with socket.socket(socket.AF_UNIX) as c:
        c.settimeout(tendlib.LIVENESS)
        c.connect(str(path))
        return int(c.makefile().readline())


def fd0(pid):
    """'socket:[INODE]' of PID's fd 0."""
    return os.readlink(f"/proc/{pid}/fd/0")


def listening_inodes():
    """Inodes of the listening TCP and UNIX sockets on this machine."""
    out = set()
    for name in ("tcp", "tcp6"):
        try:
            with open(f"/proc/net/{name}") as f:
                next(f)
                for line in f:
                    col = line.split()
                    if col[3] == "0A":  # TCP_LISTEN
                        out.add(col[9])
        except FileNotFoundError:
            pass
    with open("/proc/net/unix") as f:
        next(f)
        for line in f:
            col = line.split()
            if int(col[3], 16) & 0x10000:  # __SO_ACCEPTCON: listening
                out.add(col[6])
    return out


def tendd_sockets(pid):
    """The listening sockets tendd holds, as 'socket:[INODE]'.  Only
    listening ones: tendd also holds, for a moment, the connection of a
    tendctl that has gone (seen at load ~10 as a socket 'lost' between
    two looks).  An fd listed may be closed before it is read (a pidfd,
    a client's connection): tendd is running."""
    listening = listening_inodes()
    out = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
        except FileNotFoundError:
            continue
        if link.startswith("socket:[") and link[8:-1] in listening:
            out.add(link)
    return out


def worker(tend):
    w = tend.dir / "worker.py"
    w.write_text(WORKER)
    return w


def test_tcp_workers_accept_on_fd0(tend):
    port = free_port()
    w = worker(tend)
    tend.start(f"""
        [fcgi-program:php]
        command=/usr/bin/python3 {w}
        socket=tcp://127.0.0.1:{port}
        process_name=%(program_name)s_%(process_num)02d
        numprocs=2
        startsecs=0
    """)
    tend.wait_state("php:php_00", "RUNNING")
    tend.wait_state("php:php_01", "RUNNING")
    pids = {tend.pid_of("php:php_00"), tend.pid_of("php:php_01")}
    # one socket, shared: the same inode as fd 0 of both, held by tendd
    inodes = {fd0(p) for p in pids}
    assert len(inodes) == 1 and inodes <= tendd_sockets(tend.pid)
    served = set()
    tend.wait_until(lambda: served.add(ask_tcp(port)) or served == pids,
                    what="both workers to serve a client")


def test_unix_socket_owner_mode_and_workers(tend):
    w = worker(tend)
    path = tend.dir / "php.sock"
    tend.start(f"""
        [fcgi-program:php]
        command=/usr/bin/python3 {w}
        socket=unix://{{T}}/%(program_name)s.sock
        socket_owner=nobody:nogroup
        socket_mode=0660
        startsecs=0
    """)
    tend.wait_state("php", "RUNNING")
    st = os.stat(path)
    assert stat.S_ISSOCK(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == 0o660
    assert (st.st_uid, st.st_gid) == (65534, 65534)
    assert ask_unix(path) == tend.pid_of("php")
    tend.expect_dead = True
    tend.ctl("shutdown")
    tend.proc.wait(timeout=tendlib.LIVENESS)
    assert not path.exists(), "tendd leaves its socket file behind"


def test_a_crashing_worker_keeps_the_socket(tend):
    """A client connecting while the only worker restarts waits in the
    backlog and is served by the new worker (supervisord closes the
    socket with its last worker: the client would be refused)."""
    port = free_port()
    w = worker(tend)
    hold = tend.dir / "hold"
    tend.start(f"""
        [fcgi-program:one]
        command=/usr/bin/python3 {w} {hold}
        socket=tcp://127.0.0.1:{port}
        startsecs=0
        autorestart=true
    """)
    tend.wait_state("one", "RUNNING")
    old = tend.pid_of("one")
    assert ask_tcp(port) == old
    before = tendd_sockets(tend.pid)
    hold.write_text("")
    os.kill(old, signal.SIGKILL)
    tendlib.wait_gone(old, timeout=tendlib.LIVENESS)
    c = socket.create_connection(("127.0.0.1", port),
                                 timeout=tendlib.LIVENESS)
    with c:
        tend.wait_until(lambda: tend.pid_of("one") not in (None, 0, old),
                        what="a new worker")
        new = tend.pid_of("one")
        hold.unlink()
        assert int(c.makefile().readline()) == new
    assert tendd_sockets(tend.pid) == before
    assert fd0(new) in before


def test_reload_keeps_or_rebinds_and_reexec_keeps(tend):
    port, port2 = free_port(), free_port()
    w = worker(tend)
    body = """
        [fcgi-program:a]
        command=/usr/bin/python3 {w}
        socket=tcp://127.0.0.1:{pa}
        socket_backlog={bl}
        startsecs=0

        [fcgi-program:b]
        command=/usr/bin/python3 {w}
        socket=tcp://127.0.0.1:{pb}
        startsecs=0
    """
    tend.start(body.format(w=w, pa=port, pb=port2, bl=10))
    tend.wait_state("a", "RUNNING")
    tend.wait_state("b", "RUNNING")
    a, b = tend.pid_of("a"), tend.pid_of("b")
    sock_a = fd0(a)
    # b's socket moves to a new port; a's backlog changes (applied live)
    port3 = free_port()
    tend.write_config(body.format(w=w, pa=port, pb=port3, bl=20))
    tend.ctl("update")
    tend.wait_until(lambda: tend.pid_of("b") not in (None, 0, b),
                    what="b restarted on its new socket")
    tend.wait_state("b", "RUNNING")
    assert tend.pid_of("a") == a and fd0(a) == sock_a
    assert ask_tcp(port) == a
    assert ask_tcp(port3) == tend.pid_of("b")
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port2), timeout=5)
    tend.ctl("reexec", timeout=60)
    assert sock_a in tendd_sockets(tend.pid)
    assert ask_tcp(port) == a
    assert ask_tcp(port3) == tend.pid_of("b")


def test_a_socket_in_use_refuses_start_up(tend):
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    port = busy.getsockname()[1]
    with busy:
        tend.write_config(f"""
            [fcgi-program:php]
            command=/bin/cat
            socket=tcp://127.0.0.1:{port}
        """)
        r = run([TENDD, "-c", tend.conf])
    assert r.rc == 1, r
    assert (f"[fcgi-program:php] socket tcp://127.0.0.1:{port}: bind: "
            "Address already in use") in r.err, r.err


BAD = [
    ("socket=tcp://127.0.0.1\n",
     "socket: 'tcp://127.0.0.1' is not tcp://HOST:PORT or unix:///PATH"),
    ("socket=unix://run/php.sock\n",
     "socket: 'unix://run/php.sock': the UNIX socket path is not absolute"),
    ("socket=udp://h:1\n",
     "socket: 'udp://h:1' is not tcp://HOST:PORT or unix:///PATH"),
    ("socket=tcp://h:1\nsocket_backlog=0\n",
     "socket_backlog: '0' is not a backlog of 1 to 65535"),
    ("socket=tcp://h:1\nsocket_mode=0660\n",
     "socket_owner and socket_mode are only for a unix:// socket "
     "(socket=tcp://h:1)"),
    ("socket=unix:///tmp/x.sock\nsocket_owner=no-such-user-here\n",
     "socket_owner: unknown user 'no-such-user-here'"),
    ("", "[fcgi-program:php] has no socket="),
]


@pytest.mark.parametrize("keys,msg", BAD)
def test_bad_socket_keys_are_errors_with_file_and_line(tmp_path, keys, msg):
    conf = tmp_path / "s.conf"
    conf.write_text("[fcgi-program:php]\ncommand=/bin/cat\n" + keys)
    r = run([TENDD, "-n", "-c", conf])
    assert r.rc == 1, r
    line = 3 + keys.count("\n") - 1 if keys else 1
    assert f"{conf}:{line}: {msg}" in r.err, r.err


def test_socket_keys_in_program_are_warned(tmp_path):
    conf = tmp_path / "s.conf"
    conf.write_text("[program:php]\ncommand=/bin/cat\n"
                    "socket=tcp://127.0.0.1:9000\n")
    r = run([TENDD, "-n", "-c", conf])
    assert r.rc == 0, r
    assert (f"{conf}:3: unknown key 'socket' in [program:php] (ignored); "
            "'socket' belongs in [fcgi-program:x]") in r.err, r.err
    r = run([TENDD, "-n", "-v", "-c", conf])
    proc = r.out[r.out.index("process php "):]
    assert not re.search(r"^    socket", proc, re.M), proc
