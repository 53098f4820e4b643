"""Configuration as the user meets it: `tendd -n` on the shipped examples,
refusal of a bad config as a whole (every FILE:LINE, nothing started),
includes, warnings for unimplemented supervisord sections."""

import re

import pytest

from tendlib import SRCDIR, TENDD, run

EXAMPLES = sorted(p for p in (SRCDIR / "conf").glob("**/*")
                  if p.is_file() and p.suffix in (".conf", ".ini"))


@pytest.mark.parametrize(
    "path", EXAMPLES or [pytest.param(None, marks=pytest.mark.skip(
        reason="no example configs in conf/ yet"))],
    ids=[str(p.relative_to(SRCDIR)) for p in EXAMPLES] or ["none"])
def test_shipped_examples_pass_n(path):
    r = run([TENDD, "-n", "-c", path])
    assert r.rc == 0, r
    assert f"{path}: configuration OK" in r.out + r.err, r


def conf_lines(path, text):
    path.write_text(text)
    return path


def test_n_ok_and_v_prints_the_table(tmp_path):
    conf = tmp_path / "ok.conf"
    conf.write_text(
        f"[unix_http_server]\nfile={tmp_path}/s.sock\n\n"
        "[program:web]\ncommand=/bin/sleep 1000\nnumprocs=2\n"
        "process_name=%(program_name)s_%(process_num)d\n\n"
        "[program:solo]\ncommand=/bin/true\n")
    r = run([TENDD, "-n", "-c", conf])
    assert r.rc == 0, r
    assert f"{conf}: configuration OK" in r.out, r
    r = run([TENDD, "-n", "-v", "-c", conf])
    assert r.rc == 0, r
    for name in ("web:web_0", "web:web_1", "solo", "/bin/sleep 1000"):
        assert name in r.out, f"{name} missing from -n -v output:\n{r.out}"
    # -n starts nothing and creates no socket.
    assert not (tmp_path / "s.sock").exists()


def test_v_keeps_every_key_apart_from_its_value(tmp_path):
    """tendd -n -v: every key is followed by two spaces or more before its
    value, the longest ones too (healthcheck_start_period, 24 characters,
    once ran into its value: "healthcheck_start_period0")."""
    conf = tmp_path / "hc.conf"
    conf.write_text(
        f"[unix_http_server]\nfile={tmp_path}/s.sock\n\n"
        "[program:web]\ncommand=/bin/sleep 1000\n"
        "healthcheck=tcp:127.0.0.1:1\nhealthcheck_start_period=7\n")
    r = run([TENDD, "-n", "-v", "-c", conf])
    assert r.rc == 0, r
    assert re.search(r"^    healthcheck_start_period +7\b", r.out, re.M), \
        r.out
    keys = [line for line in r.out.splitlines() if line.startswith("    ")]
    assert keys, r.out
    for line in keys:
        # a key (supervisor.rpcinterface_factory has a dot), then at
        # least two spaces, then its value
        assert re.match(r"^    \S+  ", line), line


BAD = """\
[unix_http_server]
file={T}/bad.sock

[program:good]
command=/bin/sh -c 'touch {T}/marker; exec /bin/sleep 100'
startsecs=0

[program:bad]
command=/bin/sleep 100
startsecs=abc
autorestart=maybe
startretries=-1

[program:dep]
command=/bin/sleep 100
depends_on=nothere
"""
# line -> a word the message must contain
BAD_LINES = {10: "startsecs", 11: "autorestart", 12: "startretries",
             16: "nothere"}


def check_errors(conf, err, expected):
    for line, word in expected.items():
        msgs = [m for m in err.splitlines()
                if m.startswith(f"{conf}:{line}: ")]
        assert msgs, f"no '{conf}:{line}:' message in:\n{err}"
        assert any(word in m for m in msgs), \
            f"{conf}:{line}: message does not mention {word}: {msgs}"


def test_bad_config_reports_every_error_and_starts_nothing(tmp_path):
    conf = tmp_path / "bad.conf"
    conf.write_text(BAD.format(T=tmp_path))
    r = run([TENDD, "-n", "-c", conf])
    assert r.rc == 1, r
    check_errors(conf, r.err, BAD_LINES)
    assert "configuration OK" not in r.out + r.err

    r = run([TENDD, "-c", conf], timeout=10, cwd=tmp_path)
    assert r.rc == 1, r
    check_errors(conf, r.err, BAD_LINES)
    assert not (tmp_path / "marker").exists(), "a program was started"
    assert not (tmp_path / "bad.sock").exists(), "the socket was created"


@pytest.mark.parametrize("body,line,word", [
    ("[program:x]\ncommand=/bin/sleep 1\ndepends_on=y\n\n"
     "[program:y]\ncommand=/bin/sleep 1\ndepends_on=x\n", None, ""),
    ("[program:x]\ncomand=/bin/sleep 1\n", None, "command"),
    ("[program:x]\ncommand=/bin/sleep 1\nnumprocs=2\n", None, "process_name"),
    ("[program:x]\ncommand=/bin/sleep 1\nstopsignal=NOPE\n", 3, "NOPE"),
    ("[program:x]\ncommand=/bin/sleep 1\nreadiness=maybe\n", 3, "maybe"),
    ("[program:x]\ncommand=/bin/sleep 1\npdeathsig=NOPE\n", 3, "NOPE"),
    ("[program:x]\ncommand=/bin/sleep 1\n[group:g]\nprograms=x,nosuch\n",
     4, "nosuch"),
    ("[program:x\ncommand=/bin/sleep 1\n", 1, ""),
    ("[program:x]\n", None, "command"),
], ids=["depends-cycle", "misspelt-key", "numprocs-name",
        "bad-signal", "bad-readiness", "bad-pdeathsig", "group-unknown",
        "syntax", "no-command"])
def test_single_errors(tmp_path, body, line, word):
    conf = tmp_path / "e.conf"
    conf.write_text(body)
    r = run([TENDD, "-n", "-c", conf])
    assert r.rc == 1, r
    pat = rf"^{re.escape(str(conf))}:{line if line else r'[0-9]+'}: .*"
    msgs = re.findall(pat, r.err, re.M)
    assert msgs, f"no {pat} in {r.err!r}"
    assert any(word in m for m in msgs), (word, msgs)


def test_unimplemented_section_is_a_warning(tmp_path):
    conf = tmp_path / "w.conf"
    conf.write_text("[ctlplugin:ev]\n"
                    "supervisor.ctl_factory = x.y:make\n\n"
                    "[eventlistener:ev]\ncommand=/bin/cat\n"
                    "events=PROCESS_STATE\n\n"
                    "[program:x]\ncommand=/bin/sleep 1\n")
    r = run([TENDD, "-n", "-c", conf])
    assert r.rc == 0, r
    # (after a "tendd: warning: " prefix, say)
    assert re.search(rf"{re.escape(str(conf))}:1: .*ctlplugin:ev", r.err), r
    # [eventlistener:x] is implemented: no warning about it.
    assert "eventlistener" not in r.err, r


@pytest.mark.parametrize("body,line,word", [
    ("[eventlistener:l]\ncommand=/bin/cat\nevents=PROCESS_STATE,NOPE\n",
     3, "NOPE"),
    ("[eventlistener:l]\ncommand=/bin/cat\n", 1, '"events"'),
    ("[eventlistener:l]\ncommand=/bin/cat\nevents=TICK_5\n"
     "redirect_stderr=true\n", 4, "redirect_stderr"),
    ("[eventlistener:l]\ncommand=/bin/cat\nevents=TICK_5\n"
     "buffer_size=0\n", 4, "buffer_size"),
], ids=["unknown-event", "no-events", "redirect-stderr", "buffer-size"])
def test_eventlistener_errors(tmp_path, body, line, word):
    """supervisord's checks of [eventlistener:x], each FILE:LINE."""
    conf = tmp_path / "e.conf"
    conf.write_text(body)
    r = run([TENDD, "-n", "-c", conf])
    assert r.rc == 1, r
    msgs = re.findall(rf"^{re.escape(str(conf))}:{line}: .*", r.err, re.M)
    assert any(word in m for m in msgs), (word, r.err)


def test_include(tend):
    d = tend.dir / "conf.d"
    d.mkdir()
    (d / "a.conf").write_text(tend.subst(
        "[program:inc_a]\ncommand={H}/sleeper\nstartsecs=0\n"
        "stopwaitsecs=1\n"))
    (d / "b.conf").write_text(tend.subst(
        "[program:inc_b]\ncommand={H}/sleeper\nautostart=false\n"))
    (d / "ignored.txt").write_text("[program:nope]\ncommand=/bin/true\n")
    tend.start("""
        [include]
        files=conf.d/*.conf
    """)
    assert set(tend.status_json()) == {"inc_a", "inc_b"}
    tend.wait_state("inc_a", "RUNNING")


def test_error_in_included_file_names_that_file(tmp_path):
    d = tmp_path / "conf.d"
    d.mkdir()
    inc = d / "bad.conf"
    inc.write_text("[program:x]\ncommand=/bin/sleep 1\nstartsecs=-1\n")
    conf = tmp_path / "main.conf"
    conf.write_text("[include]\nfiles=conf.d/*.conf\n")
    r = run([TENDD, "-n", "-c", conf])
    assert r.rc == 1, r
    assert re.search(rf"^{re.escape(str(inc))}:3: .*startsecs", r.err,
                     re.M), r.err
