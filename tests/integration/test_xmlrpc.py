"""supervisord's API on tendd: XML-RPC through Python's xmlrpc.client with
supervisor's own transport (supervisor.xmlrpc.SupervisorTransport), on the
control socket and on [inet_http_server], basic auth, and hostile HTTP.

Needs Debian's `supervisor` package (its Python modules and
supervisorctl); dev.sh installs it."""

import hashlib
import http.client
import os
import socket
import subprocess
import time
import xmlrpc.client

import pytest

import tendlib

supervisor_xmlrpc = pytest.importorskip(
    "supervisor.xmlrpc", reason="Debian's supervisor package is needed")

PROG = """
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[program:web]
command={H}/sleeper
startsecs=0
"""


def proxy(url, user=None, password=None):
    """An xmlrpc.client proxy the way supervisorctl makes one."""
    t = supervisor_xmlrpc.SupervisorTransport(user, password, url)
    return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=t)


def unix_proxy(tend, user=None, password=None):
    return proxy(f"unix://{tend.sock}", user, password)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def raw_unix(tend, data=b"", timeout=10):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(str(tend.sock))
    if data:
        s.sendall(data)
    return s


def read_all(s):
    chunks = []
    while True:
        try:
            b = s.recv(65536)
        except ConnectionResetError:
            break
        if not b:
            break
        chunks.append(b)
    return b"".join(chunks)


def fault_of(call, *args):
    with pytest.raises(xmlrpc.client.Fault) as ei:
        call(*args)
    return ei.value.faultCode, ei.value.faultString


def test_system_methods(tend):
    tend.start(PROG)
    s = unix_proxy(tend)
    assert s.supervisor.getAPIVersion() == "3.0"
    assert s.supervisor.getVersion() == "3.0"
    assert s.supervisor.getPID() == tend.pid
    assert s.supervisor.getState() == {"statecode": 1,
                                       "statename": "RUNNING"}
    methods = s.system.listMethods()
    assert methods == sorted(methods)
    for m in ("system.listMethods", "system.methodHelp",
              "system.methodSignature", "system.multicall",
              "supervisor.getAPIVersion", "supervisor.getState"):
        assert m in methods
    assert s.system.methodSignature("system.methodHelp") == \
        ["string", "string"]
    assert s.system.methodSignature("supervisor.getState") == ["struct"]
    assert "@return" in s.system.methodHelp("supervisor.getPID")
    for m in methods:
        sig = s.system.methodSignature(m)
        assert sig and all(isinstance(t, str) for t in sig), (m, sig)
        assert isinstance(s.system.methodHelp(m), str)


def test_faults(tend):
    tend.start(PROG)
    s = unix_proxy(tend)
    assert fault_of(s.supervisor.noSuchMethod) == (1, "UNKNOWN_METHOD")
    assert fault_of(s.system.listMethods.x) == (1, "UNKNOWN_METHOD")
    assert fault_of(s.supervisor._private) == (1, "UNKNOWN_METHOD")
    assert fault_of(s.supervisor.getPID, 1) == (2, "INCORRECT_PARAMETERS")
    assert fault_of(s.system.methodHelp, "nope") == \
        (4, "SIGNATURE_UNSUPPORTED")
    assert fault_of(s.system.methodSignature, "nope") == \
        (4, "SIGNATURE_UNSUPPORTED")


def test_multicall(tend):
    tend.start(PROG)
    s = unix_proxy(tend)
    r = s.system.multicall([
        {"methodName": "supervisor.getPID", "params": []},
        {"methodName": "supervisor.getAPIVersion"},
        {"methodName": "nope.nope", "params": []},
        {"params": []},
        {"methodName": "system.multicall", "params": [[]]},
    ])
    # supervisord's shape: bare values, fault structs.
    assert r == [
        tend.pid, "3.0",
        {"faultCode": 1, "faultString": "UNKNOWN_METHOD"},
        {"faultCode": 2, "faultString": "INCORRECT_PARAMETERS: No methodName"},
        {"faultCode": 2, "faultString":
            "INCORRECT_PARAMETERS: Recursive system.multicall forbidden"},
    ]
    assert s.system.multicall([]) == []


def test_tendctl_and_http_share_the_socket(tend):
    tend.start(PROG)
    tend.wait_state("web", "RUNNING")
    s = unix_proxy(tend)
    assert s.supervisor.getAPIVersion() == "3.0"
    # An HTTP connection held open does not disturb tendctl.
    held = raw_unix(tend, b"GET /")
    rc, out, err = tend.ctl("status")
    assert rc == 0 and "web" in out, (rc, out, err)
    assert s.supervisor.getPID() == tend.pid
    held.close()


def test_basic_auth_unix(tend):
    pw = "s3cret"
    sha = hashlib.sha1(pw.encode()).hexdigest()
    tend.write_config(PROG, extra="")
    text = tend.conf.read_text().replace(
        "[unix_http_server]\n",
        "[unix_http_server]\nusername=alice\npassword={SHA}" + sha + "\n", 1)
    tend.conf.write_text(text)
    tend.start(None)
    assert unix_proxy(tend, "alice", pw).supervisor.getAPIVersion() == "3.0"
    for user, password in ((None, None), ("alice", "wrong"),
                           ("bob", pw), ("alice", sha)):
        with pytest.raises(xmlrpc.client.ProtocolError) as ei:
            unix_proxy(tend, user, password).supervisor.getPID()
        assert ei.value.errcode == 401
    # tendctl is checked by SO_PEERCRED, as before.
    rc, out, err = tend.ctl("status")
    assert rc == 0, (out, err)


def test_inet_http_server(tend):
    port = free_port()
    tend.start(PROG + f"""
[inet_http_server]
port=127.0.0.1:{port}
username=bob
password=pw
""")
    s = proxy(f"http://127.0.0.1:{port}", "bob", "pw")
    assert s.supervisor.getPID() == tend.pid
    with pytest.raises(xmlrpc.client.ProtocolError) as ei:
        proxy(f"http://127.0.0.1:{port}", "bob", "no").supervisor.getPID()
    assert ei.value.errcode == 401
    # The socket's credentials are its own: none were set there.
    assert unix_proxy(tend).supervisor.getPID() == tend.pid


def test_inet_beyond_loopback_without_password_warns(tend):
    port = free_port()
    tend.start(PROG + f"\n[inet_http_server]\nport=*:{port}\n")
    tend.wait_until(lambda: "WARNING: [inet_http_server]" in tend.log_text(),
                    what="the warning about an open TCP listener")


def http_status(raw):
    line = raw.split(b"\r\n", 1)[0]
    return int(line.split()[1]) if line.startswith(b"HTTP/") else None


def test_hostile_bodies(tend):
    tend.start(PROG)
    # 4 GiB announced: refused from the header, nothing read.
    s = raw_unix(tend, b"POST /RPC2 HTTP/1.1\r\nHost: x\r\n"
                 b"Content-Length: 4294967296\r\n\r\n<?xml")
    assert http_status(read_all(s)) == 413
    # Bad XML: 400, as supervisord.
    body = b"<?xml version='1.0'?><methodCall><methodName>x"
    s = raw_unix(tend, b"POST /RPC2 HTTP/1.0\r\nContent-Length: %d\r\n\r\n"
                 % len(body) + body)
    assert http_status(read_all(s)) == 400
    # Elsewhere: 404 and 405.
    s = raw_unix(tend, b"GET /nope HTTP/1.0\r\n\r\n")
    assert http_status(read_all(s)) == 404
    s = raw_unix(tend, b"DELETE /RPC2 HTTP/1.0\r\n\r\n")
    assert http_status(read_all(s)) == 405
    # Headers without end: cut off by the per-connection memory cap.
    s = raw_unix(tend, b"GET / HTTP/1.1\r\n" + b"X-A: " + b"a" * 70000)
    st = http_status(read_all(s))
    assert st in (None, 413, 431), st
    assert unix_proxy(tend).supervisor.getPID() == tend.pid


def test_half_a_request_is_cut_off(tend):
    tend.start(PROG)
    s = raw_unix(tend, b"POST /RPC2 HTTP/1.1\r\nHost: x\r\n"
                 b"Content-Length: 100\r\n\r\n<?xml", timeout=60)
    t0 = time.monotonic()
    # Others are served meanwhile.
    assert unix_proxy(tend).supervisor.getPID() == tend.pid
    rc, out, err = tend.ctl("status")
    assert rc == 0, err
    read_all(s)  # returns once tendd closes it (HTTP_TIMEOUT)
    assert time.monotonic() - t0 < 50


def test_300_idle_connections(tend):
    tend.start(PROG)
    tend.wait_state("web", "RUNNING")
    conns = []
    try:
        for i in range(300):
            # Half are silent (ctl.c's), half began an HTTP request.
            conns.append(raw_unix(tend, b"GET /" if i % 2 else b""))
        assert unix_proxy(tend).supervisor.getPID() == tend.pid
        rc, out, err = tend.ctl("status")
        assert rc == 0, err
        r = subprocess.run(["supervisorctl", "-s", f"unix://{tend.sock}",
                            "version"], capture_output=True, text=True,
                           timeout=30)
        assert r.returncode == 0, r
    finally:
        for c in conns:
            c.close()
