"""The web page in a real browser: Debian's chromium, headless, driven
through the DevTools protocol on a pipe (cdp.py, standard library only).
It loads the pages under their Content-Security-Policy, updates live
from /events, filters, restarts a process by a mouse click, works with
script disabled, and keeps screenshots of the status page (desktop and
phone), a process page and a log page in the build directory
(tests/artifacts/web-*.png).  Skipped when chromium is not installed
(dev.sh installs it)."""

import os
import re

import pytest

import tendlib
from cdp import Browser, Page, chromium_path
from webclient import free_port

pytestmark = [pytest.mark.skipif(chromium_path() is None,
                                 reason="chromium is not installed "
                                        "(apt-get install chromium)"),
              pytest.mark.peer]

CONF = """
[program:web]
command={H}/sleeper
startsecs=0

[program:crashy]
command={H}/crasher 3 700
startsecs=0
autorestart=true

[program:talk]
command=/bin/sh -c "for i in 1 2 3 4 5 6; do echo line $i of the log; done; exec {H}/sleeper"
startsecs=0

[program:<script>alert("x")<b>]
command={H}/sleeper
startsecs=0

[program:pool]
command={H}/sleeper
process_name=%(program_name)s_%(process_num)02d
numprocs=4
startsecs=0

[group:api]
programs=api_a,api_b

[program:api_a]
command={H}/sleeper
startsecs=0

[program:api_b]
command={H}/sleeper
startsecs=0
"""


@pytest.fixture
def artifacts():
    d = tendlib.BUILDDIR / "tests" / "artifacts"
    d.mkdir(parents=True, exist_ok=True)
    return d


@pytest.fixture
def browser(tmp_path):
    b = Browser(tmp_path / "profile", tmp_path / "chromium.log")
    try:
        yield b
    finally:
        b.close()


def test_the_page_in_chromium(tend, browser, artifacts):
    port = free_port()
    tend.start(CONF + f"\n[inet_http_server]\nport=127.0.0.1:{port}\n")
    tend.wait_rec("web", lambda r: r["state"] == "RUNNING")
    base = f"http://127.0.0.1:{port}"
    page = Page(browser)
    page.viewport(1280, 1000)
    page.navigate(base + "/")
    assert page.eval("document.title") == "tend: processes"
    # the script ran (CSP allows /static/tend.js) and nothing else did:
    # the process named <script>... is text
    assert page.eval("document.querySelectorAll('tr[data-name]').length") \
        == 10
    assert page.eval("document.querySelector('tr[data-name^=\"<script>\"] "
                     "td.name').textContent") == '<script>alert("x")<b>'
    # live: a restart made elsewhere shows up without a reload
    page.eval("window.notReloaded = true")
    old = tend.pid_of("web")
    tend.ctl("restart", "web", check=0)
    new = tend.pid_of("web")
    assert new != old
    page.wait_true("document.querySelector('tr[data-name=\"web\"] .desc')"
                   f".textContent.startsWith('pid {new},')",
                   what="the row to show the new pid")
    assert page.eval("window.notReloaded") is True
    # the filter box, as one types
    page.eval("const f = document.getElementById('filter'); f.value = "
              "'pool'; f.dispatchEvent(new Event('input'))")
    assert page.eval("document.querySelectorAll('tr[data-name]:not(.hidden)')"
                     ".length") == 4
    page.eval("const g = document.getElementById('filter'); g.value = ''; "
              "g.dispatchEvent(new Event('input'))")
    page.screenshot(artifacts / "web-status.png")

    # restart by a click: the form posts with the token, the page
    # comes back with the result
    old = tend.pid_of("web")
    page.click('button[value="restart web"]')
    page.wait_load()
    page.wait_true("location.search.startsWith('?m=')")
    assert page.eval("document.querySelector('p.msg').textContent") == \
        "web: stopped; web: started"
    new = tend.pid_of("web")
    assert new not in (0, old)

    # a process that keeps dying: its page says why
    tend.wait_until(lambda: sum(1 for e in tend.history("crashy")
                                if (e.get("exit") or {}).get("code") == 3)
                    >= 3, what="three exits of crashy")
    page.navigate(base + "/proc/crashy")
    assert "exit status 3" in page.eval(
        "document.querySelector('dl.facts').textContent")
    assert page.eval("document.querySelectorAll('svg.chart rect.bar')"
                     ".length") >= 1
    page.screenshot(artifacts / "web-proc.png")
    page.navigate(base + "/proc/web")
    page.screenshot(artifacts / "web-proc-web.png")

    # the log page follows the log with script
    page.navigate(base + "/tail/talk")
    page.wait_true("document.getElementById('follow').textContent"
                   ".startsWith('Following')")
    assert "line 6 of the log" in page.eval(
        "document.getElementById('log').textContent")
    page.screenshot(artifacts / "web-tail.png", full=False)

    # a phone
    page.viewport(390, 844, scale=2, mobile=True)
    page.navigate(base + "/")
    page.screenshot(artifacts / "web-status-phone.png", full=False)

    problems = [p for p in page.problems()]
    assert problems == [], problems

    # without script: the same click works, the page refreshes itself
    page.viewport(1280, 1000)
    page.call("Emulation.setScriptExecutionDisabled", {"value": True})
    page.navigate(base + "/")
    old = tend.pid_of("api:api_a")
    page.click('button[value="restart api:api_a"]')
    page.wait_load()
    tend.wait_until(lambda: tend.pid_of("api:api_a") not in (0, old),
                    what="api:api_a restarted")
    html = page.eval("document.documentElement.outerHTML")
    assert re.search(r'<meta http-equiv="refresh" content="10">', html)
    for png in ("web-status.png", "web-proc.png", "web-tail.png",
                "web-status-phone.png"):
        assert os.path.getsize(artifacts / png) > 5000, png


def test_a_forged_cross_site_form_in_chromium(tend, browser, artifacts,
                                              tmp_path):
    """A page of another origin that posts to the status page's /action
    (what an attacker's site would do): the browser sends no session
    cookie (SameSite=Strict) and marks it cross-site; nothing changes."""
    port = free_port()
    tend.start(CONF + f"\n[inet_http_server]\nport=127.0.0.1:{port}\n")
    tend.wait_rec("web", lambda r: r["state"] == "RUNNING")
    page = Page(browser)
    # the victim has a session with the page
    page.navigate(f"http://127.0.0.1:{port}/")
    old = tend.pid_of("web")
    evil = tmp_path / "evil.html"
    evil.write_text(
        f'<form id="f" method="post" action="http://127.0.0.1:{port}/action">'
        '<input name="do" value="stop web">'
        '<input name="token" value="guess"></form>'
        '<script>document.getElementById("f").submit()</script>')
    page.navigate(evil.as_uri())
    page.wait_true("document.body && document.body.innerText"
                   ".includes('403 Forbidden')", what="the 403")
    assert tend.state("web") == "RUNNING"
    assert tend.pid_of("web") == old
