"""A tiny Chrome DevTools Protocol client on Python's standard library:
chromium started headless with --remote-debugging-pipe (commands on its
fd 3, answers and events on its fd 4, each a JSON text ended by a NUL).
Only what test_web_browser.py needs."""

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import time

import tendlib


def chromium_path():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        p = shutil.which(name)
        if p:
            return p
    return None


class CDPError(AssertionError):
    pass


class Browser:
    def __init__(self, profile, log):
        exe = chromium_path()
        to_br_r, self._w = self._pipe()   # we write, it reads (its fd 3)
        self._r, from_br_w = self._pipe() # it writes (its fd 4), we read
        argv = [exe, "--headless", "--no-sandbox", "--disable-gpu",
                "--remote-debugging-pipe", f"--user-data-dir={profile}",
                "--no-first-run", "--no-default-browser-check",
                "--disable-extensions", "--disable-sync",
                "--disable-background-networking",
                "--disable-component-update", "--mute-audio",
                "--hide-scrollbars", "--disable-dev-shm-usage",
                "--window-size=1280,1000", "about:blank"]
        # The pipe ends become its fds 3 and 4 by bash's redirections (dash
        # takes no fd above 9):
        # nothing else of ours is inherited.
        sh = (f'exec "$@" 3<&{to_br_r} 4>&{from_br_w} '
              f'{to_br_r}<&- {from_br_w}>&-')
        fh = open(log, "ab")
        try:
            self.proc = subprocess.Popen(
                ["/bin/bash", "-c", sh, "bash", *argv],
                pass_fds=(to_br_r, from_br_w), stdin=subprocess.DEVNULL,
                stdout=fh, stderr=fh)
        finally:
            fh.close()
            os.close(to_br_r)
            os.close(from_br_w)
        self._buf = b""
        self._id = 0
        self.events = []

    @staticmethod
    def _pipe():
        """A pipe whose ends are above 9 (and so never 3 or 4 before
        the redirections)."""
        ends = []
        for fd in os.pipe():
            ends.append(fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10))
            os.close(fd)
        return ends

    # -- the wire ------------------------------------------------------

    def _send(self, msg):
        data = json.dumps(msg).encode() + b"\0"
        while data:
            n = os.write(self._w, data)
            data = data[n:]

    def _read_one(self, deadline):
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CDPError("chromium did not answer in time")
            r, _, _ = select.select([self._r], [], [], left)
            if not r:
                continue
            chunk = os.read(self._r, 1 << 20)
            if not chunk:
                raise CDPError("chromium closed its pipe (exited?)")
            self._buf += chunk
        msg, self._buf = self._buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, session=None, timeout=30):
        self._id += 1
        mid = self._id
        msg = {"id": mid, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self._send(msg)
        deadline = time.monotonic() + tendlib.live(timeout)
        while True:
            m = self._read_one(deadline)
            if m.get("id") == mid:
                if "error" in m:
                    raise CDPError(f"{method}: {m['error']}")
                return m.get("result", {})
            self.events.append(m)

    def wait_event(self, pred, timeout=30):
        """The first event (seen or to come) PRED accepts; it is taken."""
        deadline = time.monotonic() + tendlib.live(timeout)
        while True:
            for i, e in enumerate(self.events):
                if pred(e):
                    return self.events.pop(i)
            self.events.append(self._read_one(deadline))

    def close(self):
        try:
            self.call("Browser.close", timeout=10)
        except (CDPError, OSError):
            pass
        try:
            self.proc.wait(timeout=tendlib.live(10))
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._w)
        os.close(self._r)


class Page:
    """One tab of BROWSER."""

    def __init__(self, browser):
        self.b = browser
        t = browser.call("Target.createTarget", {"url": "about:blank"})
        self.target = t["targetId"]
        s = browser.call("Target.attachToTarget",
                         {"targetId": self.target, "flatten": True})
        self.session = s["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable")

    def call(self, method, params=None, timeout=30):
        return self.b.call(method, params, session=self.session,
                           timeout=timeout)

    def _mine(self, method):
        return lambda e: (e.get("sessionId") == self.session and
                          e.get("method") == method)

    def navigate(self, url):
        self.b.events = [e for e in self.b.events
                         if not self._mine("Page.loadEventFired")(e)]
        self.call("Page.navigate", {"url": url})
        self.b.wait_event(self._mine("Page.loadEventFired"))

    def wait_load(self):
        self.b.wait_event(self._mine("Page.loadEventFired"))

    def eval(self, expr):
        r = self.call("Runtime.evaluate",
                      {"expression": expr, "returnByValue": True,
                       "awaitPromise": True})
        if "exceptionDetails" in r:
            raise CDPError(f"{expr}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def wait_true(self, expr, timeout=30, what=None):
        deadline = time.monotonic() + tendlib.live(timeout)
        while True:
            v = self.eval(expr)
            if v:
                return v
            if time.monotonic() > deadline:
                raise CDPError(f"timed out waiting for {what or expr}: "
                               f"{v!r}")
            time.sleep(0.05)

    def click(self, selector):
        """A real click: the mouse pressed and released on the middle of
        the element SELECTOR (scrolled into view first)."""
        rect = self.eval(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
            " if (!e) return null; e.scrollIntoView({block: 'center'});"
            " const r = e.getBoundingClientRect();"
            " return [r.x + r.width / 2, r.y + r.height / 2]; })()")
        assert rect, f"no element {selector}"
        x, y = rect
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent",
                      {"type": kind, "x": x, "y": y, "button": "left",
                       "clickCount": 1})

    def screenshot(self, path, full=True):
        r = self.call("Page.captureScreenshot",
                      {"format": "png", "captureBeyondViewport": full})
        with open(path, "wb") as f:
            f.write(base64.b64decode(r["data"]))

    def viewport(self, width, height, scale=1, mobile=False):
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height,
                   "deviceScaleFactor": scale, "mobile": mobile})

    def problems(self):
        """Console errors, CSP violations, exceptions and dialogs seen."""
        out = []
        for e in self.b.events:
            if e.get("sessionId") != self.session:
                continue
            m, p = e.get("method"), e.get("params", {})
            if m == "Log.entryAdded" and p["entry"]["level"] == "error":
                out.append(p["entry"]["text"])
            elif m == "Runtime.exceptionThrown":
                out.append(str(p["exceptionDetails"]))
            elif m == "Runtime.consoleAPICalled" and p["type"] == "error":
                out.append(str(p["args"]))
            elif m == "Page.javascriptDialogOpening":
                out.append("dialog: " + p.get("message", ""))
        return out
