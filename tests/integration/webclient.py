"""A small client of tendd's web page (src/web.c) for the tests: Python's
http.client over the control socket (AF_UNIX) or TCP, basic auth, and
the session cookie kept as a browser keeps it."""

import base64
import http.client
import re
import socket
import urllib.parse


class UnixHTTPConnection(http.client.HTTPConnection):
    """HTTP over tendd's control socket (tendd tells it from tendctl's
    protocol by its first bytes)."""

    def __init__(self, path, timeout=60):
        super().__init__("localhost", timeout=timeout)
        self.path = str(path)

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.path)
        self.sock = s


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Reply:
    def __init__(self, r):
        self.status = r.status
        self.headers = r.headers
        self.body = r.read().decode("utf-8", "replace")

    def header(self, name):
        return self.headers.get(name)


class Web:
    """One browser: a session cookie, maybe credentials."""

    def __init__(self, sock=None, port=None, user=None, password=None):
        self.sock, self.port = sock, port
        self.auth = None
        if user is not None:
            tok = base64.b64encode(f"{user}:{password}".encode()).decode()
            self.auth = "Basic " + tok
        self.cookie = None

    def conn(self):
        if self.sock is not None:
            return UnixHTTPConnection(self.sock)
        return http.client.HTTPConnection("127.0.0.1", self.port,
                                          timeout=60)

    def request(self, method, path, body=None, headers=None,
                cookie=True):
        h = dict(headers or {})
        if self.auth and "Authorization" not in h:
            h["Authorization"] = self.auth
        if cookie and self.cookie and "Cookie" not in h:
            h["Cookie"] = self.cookie
        if body is not None and not isinstance(body, bytes):
            body = urllib.parse.urlencode(body).encode()
            h.setdefault("Content-Type",
                         "application/x-www-form-urlencoded")
        c = self.conn()
        try:
            c.request(method, path, body=body, headers=h)
            r = Reply(c.getresponse())
        finally:
            c.close()
        sc = r.header("Set-Cookie")
        if sc:
            self.cookie = sc.split(";", 1)[0]
        return r

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def token(self, path="/"):
        """The CSRF token of a page (and the session cookie with it)."""
        r = self.get(path)
        assert r.status == 200, (r.status, r.body[:300])
        m = re.search(r'name="token" value="([0-9a-f]+)"', r.body)
        assert m, r.body[:500]
        return m.group(1)

    def act(self, do, token=None, back="/", headers=None, cookie=True):
        """POST /action as the page's buttons do."""
        form = {"do": do, "back": back}
        if token is not None:
            form["token"] = token
        return self.request("POST", "/action", body=form, headers=headers,
                            cookie=cookie)

    def message(self, location):
        """The message an action left on the page it redirected to."""
        r = self.get(location)
        m = re.search(r'<p class="msg" role="status">([^<]*)</p>', r.body)
        return m.group(1) if m else None


def quote(name):
    return urllib.parse.quote(name, safe="")
