"""supervisord.conf files as real projects write them: what supervisord
4.2 accepts, tend accepts, with the same processes and keys.  Each snippet
also goes through supervisord's own parser (Debian's
supervisor.options.ServerOptions, dev.sh installs it) and the process
tables are compared, as a user comparing the two would.  What supervisord
silently ignores, tend ignores with a FILE:LINE: warning; -n --strict and
[tend] strict=true make those errors."""

import re

import pytest

import tendlib
from tendlib import TENDD, run

options = pytest.importorskip(
    "supervisor.options", reason="Debian's supervisor package (dev.sh)")


def supervisord_table(path):
    """{full name: {key: value}} as supervisord's parser reads PATH."""
    o = options.ServerOptions()
    o.configfile = str(path)
    o.process_config(do_usage=False)
    table = {}
    for g in o.process_group_configs:
        for p in g.process_configs:
            name = p.name if g.name == p.name else f"{g.name}:{p.name}"
            table[name] = {
                "command": p.command,
                "autostart": str(p.autostart).lower(),
                "startsecs": str(p.startsecs),
                "priority": str(p.priority),
                "stopsignal": {15: "TERM", 3: "QUIT", 9: "KILL",
                               2: "INT", 1: "HUP"}[p.stopsignal],
            }
    return table, o


def tend_table(path, *args):
    """The same from `tendd -n -v`; also the CtlResult."""
    r = run([TENDD, "-n", "-v", *args, "-c", path])
    assert r.rc == 0, r
    table, cur = {}, None
    for line in r.out.splitlines():
        m = re.match(r"^process (\S+) ", line)
        if m:
            cur = table.setdefault(m.group(1), {})
            continue
        m = re.match(r"^    (\w+) +(.*)$", line)
        if cur is not None and m:
            cur[m.group(1)] = m.group(2)
    keys = ("command", "autostart", "startsecs", "priority", "stopsignal")
    return {n: {k: v[k] for k in keys} for n, v in table.items()}, r


def same_tables(path):
    """Assert supervisord and tend read PATH into the same processes."""
    theirs, o = supervisord_table(path)
    ours, r = tend_table(path)
    # tend prints the command split into words, re-quoted where needed
    for v in theirs.values():
        v["command"] = " ".join(v["command"].split())
    for v in ours.values():
        v["command"] = " ".join(v["command"].replace("'", "").split())
    for v in theirs.values():
        v["startsecs"] = "%g" % float(v["startsecs"])
    assert ours == theirs
    return o, r


# Keys in the wrong section, typos and plugins' keys, each seen in public
# Docker images' supervisord.conf files, and an include made at run time.
MISPLACED = """\
[supervisord]
nodaemon=true
logfile={T}/supervisord.log
pidfile={T}/supervisord.pid
stdout_logfile=/dev/stdout
stdout_logfile_maxbytes=0
stopsignal=QUIT
autorestart=true

[unix_http_server]
file={T}/s.sock
nodaemon=true

[supervisorctl]
serverurl=unix://{T}/s.sock
files=/etc/supervisor/conf.d/*.conf

[include]
files={T}/generated-at-run-time.conf

[program:php-fpm]
command=/bin/sleep 1000
auto_start=true
priority=5
stopsignal=QUIT
startsecs = 0
healthcheck_url=http://localhost/ping

[program:worker]
command=/bin/sleep 2000 --queue default
startsecs=3
"""

WARNINGS = [
    (5, "unknown key 'stdout_logfile' in [supervisord] (ignored); "
        "'stdout_logfile' belongs in [program:x]"),
    (6, "unknown key 'stdout_logfile_maxbytes' in [supervisord] (ignored); "
        "'stdout_logfile_maxbytes' belongs in [program:x]"),
    (7, "unknown key 'stopsignal' in [supervisord] (ignored); "
        "'stopsignal' belongs in [program:x]"),
    (8, "unknown key 'autorestart' in [supervisord] (ignored); "
        "'autorestart' belongs in [program:x]"),
    (12, "unknown key 'nodaemon' in [unix_http_server] (ignored); "
         "'nodaemon' belongs in [supervisord]"),
    (16, "unknown key 'files' in [supervisorctl] (ignored); "
         "'files' belongs in [include]"),
    (19, "include {T}/generated-at-run-time.conf: No such file or "
         "directory (skipped)"),
    (23, "unknown key 'auto_start' in [program:php-fpm] (ignored); "
         "did you mean 'autostart'?"),
    (27, "unknown key 'healthcheck_url' in [program:php-fpm] (ignored)"),
]


def test_misplaced_keys_typos_and_missing_include_warn_and_run(tmp_path):
    conf = tmp_path / "supervisord.conf"
    conf.write_text(MISPLACED.format(T=tmp_path))
    o, r = same_tables(conf)
    # supervisord warns of the include, and silently ignores the rest
    assert any("generated-at-run-time.conf" in w for w in o.parse_warnings)
    for line, msg in WARNINGS:
        want = f"{conf}:{line}: {msg.format(T=tmp_path)}"
        assert want in r.err, f"{want!r} not in:\n{r.err}"
    assert f"{conf}: configuration OK" in r.out


def test_strict_makes_every_warning_an_error(tmp_path):
    conf = tmp_path / "supervisord.conf"
    conf.write_text(MISPLACED.format(T=tmp_path))
    r = run([TENDD, "-n", "--strict", "-c", conf])
    assert r.rc == 1, r
    errs = [m for m in r.err.splitlines()
            if re.match(re.escape(f"{conf}:") + r"\d", m)]
    assert errs == [f"{conf}:{line}: {msg.format(T=tmp_path)}"
                    for line, msg in WARNINGS], r.err
    assert f"configuration has {len(WARNINGS)} errors" in r.err, r.err
    # [tend] strict=true: the same, for every start and reload
    conf.write_text(MISPLACED.format(T=tmp_path) + "[tend]\nstrict=true\n")
    r = run([TENDD, "-n", "-c", conf])
    assert r.rc == 1 and f"{conf}:23: unknown key 'auto_start'" in r.err, r
    # a clean file stays clean under --strict
    conf.write_text("[program:a]\ncommand=/bin/sleep 1\n")
    r = run([TENDD, "-n", "--strict", "-c", conf])
    assert r.rc == 0, r


def test_long_lines_and_duplicate_sections_read_as_supervisord(tmp_path):
    conf = tmp_path / "supervisord.conf"
    arg = "x" * 5000
    conf.write_text(
        "[supervisord]\n"
        "[program:long]\n"
        f"command=/bin/echo {arg} ; a comment after a long value\n"
        "priority=1\n"
        "[program:multi]\n"
        "command=/bin/echo\n"
        "    one\n"
        "\n"
        "    two\n"
        "[program:long]\n"
        "priority=7\n")
    o, r = same_tables(conf)
    assert f"{conf}:10: duplicate section [program:long]" in r.err, r.err
    ours, _ = tend_table(conf)
    assert ours["long"]["priority"] == "7"


def test_logfile_and_pidfile_directories_checked_by_n(tmp_path):
    for key in ("logfile", "pidfile"):
        conf = tmp_path / "supervisord.conf"
        conf.write_text(f"[supervisord]\n{key}={tmp_path}/nodir/x\n"
                        "[program:a]\ncommand=/bin/sleep 1\n")
        with pytest.raises(ValueError, match="does not exist"):
            supervisord_table(conf)
        r = run([TENDD, "-n", "-c", conf])
        assert r.rc == 1, r
        assert (f"{conf}:2: {key}: directory '{tmp_path}/nodir' does not "
                f"exist") in r.err, r.err


def test_logfile_syslog_is_syslog(tend, monkeypatch):
    """[supervisord] logfile=syslog: tendd's own log goes to syslog (the
    socket of TEND_SYSLOG_SOCKET here), not to a file named ./syslog."""
    with tendlib.syslog_listener(monkeypatch) as s:
        tend.start("""
            [program:a]
            command={H}/sleeper
            startsecs=0
            stopwaitsecs=1
        """, extra="logfile=syslog\nidentifier=mytend")
        tend.wait_state("a", "RUNNING")
        got = s.recv(4096)
    # daemon.warning..daemon.debug = 28..31 (RFC 3164 <PRI>)
    assert re.match(rb"<(2[89]|3[01])>\w{3} [ \d]\d \d\d:\d\d:\d\d "
                    rb"mytend\[%d\]: " % tend.pid, got), got
    assert not (tend.dir / "syslog").exists()
    r = run([TENDD, "-n", "-v", "-c", tend.conf])
    assert re.search(r"^    logfile +syslog$", r.out, re.M), r.out


def test_program_logfile_syslog_is_the_deprecated_spelling(tmp_path):
    conf = tmp_path / "supervisord.conf"
    conf.write_text("[supervisord]\n[program:a]\ncommand=/bin/sleep 1\n"
                    "stdout_logfile=syslog\n")
    theirs, o = supervisord_table(conf)
    assert any("deprecated" in w for w in o.parse_warnings)
    r = run([TENDD, "-n", "-v", "-c", conf])
    assert r.rc == 0, r
    assert f"{conf}:4: stdout_logfile=syslog is deprecated" in r.err, r.err
    assert re.search(r"^    stdout_logfile +NONE$", r.out, re.M), r.out
    assert re.search(r"^    stdout_syslog +true$", r.out, re.M), r.out


# One-shot tasks: depends_on=NAME:exited, and supervisord-dependent-
# startup's keys read as the same thing.
TASK = """
    [program:init]
    command=/bin/sh -c 'sleep 0.3; touch {T}/done; exit %(ENV_TASK_EXIT)s'
    startsecs=0
    autorestart=false

    [program:web]
    command=/bin/sh -c 'test -e {T}/done || exit 7; exec {H}/sleeper'
    startsecs=0
    autorestart=false
    stopwaitsecs=1
    @KEYS@
"""
WAIT_KEYS = {
    "depends_on": "depends_on=init:exited",
    "dependent_startup": "autostart=false\n    dependent_startup=true\n"
                         "    dependent_startup_wait_for=init:exited",
}


@pytest.mark.parametrize("how", sorted(WAIT_KEYS))
def test_task_exited_well_starts_its_dependants(tend, monkeypatch, how):
    monkeypatch.setenv("TASK_EXIT", "0")
    tend.start(TASK.replace("@KEYS@", WAIT_KEYS[how]))
    tend.wait_state("web", "RUNNING")
    s = tend.status_json()
    assert s["init"]["state"] == "EXITED", s
    assert not s["web"].get("exit"), s  # never started before init ended


@pytest.mark.parametrize("how", sorted(WAIT_KEYS))
def test_task_exited_badly_blocks_its_dependants(tend, monkeypatch, how):
    monkeypatch.setenv("TASK_EXIT", "3")
    tend.start(TASK.replace("@KEYS@", WAIT_KEYS[how]))
    rec = tend.wait_state("web", "STOPPED")
    assert rec["description"] == ("dependency init exited with status 3, "
                                  "not one of its exitcodes"), rec
    assert not rec.get("spawns"), rec


def test_dependent_startup_config_reads_as_supervisord_with_the_plugin(
        tmp_path):
    conf = tmp_path / "supervisord.conf"
    conf.write_text(
        "[supervisord]\n"
        "[eventlistener:dependentstartup]\n"
        "command=python -m supervisord_dependent_startup\n"
        "events=PROCESS_STATE\n"
        "[program:init]\ncommand=/bin/true\nautostart=false\n"
        "dependent_startup=true\nstartsecs=0\n"
        "[program:web]\ncommand=/bin/sleep 100\nautostart=false\n"
        "dependent_startup=true\n"
        "dependent_startup_wait_for=init:exited\n")
    supervisord_table(conf)  # supervisord accepts it
    r = run([TENDD, "-n", "-v", "-c", conf])
    assert r.rc == 0, r
    web = r.out[r.out.index("process web "):]
    assert re.search(r"^    depends_on +init:exited$", web, re.M), web
    assert re.search(r"^    autostart +true$", web, re.M), web
    conf.write_text("[program:web]\ncommand=/bin/sleep 100\n"
                    "depends_on=init:stopped\n"
                    "[program:init]\ncommand=/bin/true\n")
    r = run([TENDD, "-n", "-c", conf])
    assert r.rc == 1, r
    assert (f"{conf}:3: depends_on: 'init:stopped': the state must be "
            f"running or exited") in r.err, r.err


# [fcgi-program:x] as PHP images write it: the socket each worker gets as
# fd 0, compared with supervisord's FastCGIGroupConfig.socket_config.
FCGI = """\
[supervisord]
nodaemon=true

[fcgi-program:php-cgi]
command=/usr/bin/php-cgi -c /etc/php/php.ini
socket=unix://{T}/%(program_name)s.sock
socket_owner=nobody:nogroup
socket_mode=0660
process_name=%(program_name)s-%(process_num)02d
numprocs=3
priority=10

[fcgi-program:app]
command=/usr/bin/python3 -m app.fcgi
socket=tcp://LocalHost:9001
socket_backlog=128
user=nobody
startsecs=2

[fcgi-program:plain]
command=/usr/bin/python3 -m plain
socket=unix://{T}/plain.sock
user=nobody
"""


def test_fcgi_program_reads_as_supervisord(tmp_path):
    conf = tmp_path / "supervisord.conf"
    conf.write_text(FCGI.format(T=tmp_path))
    o, r = same_tables(conf)
    theirs = {}
    for g in o.process_group_configs:
        sc = g.socket_config
        owner = getattr(sc, "owner", None)
        theirs[g.name] = (
            sc.url, owner,
            "%04o" % sc.mode if getattr(sc, "mode", None) else "(none)",
            str(sc.backlog) if sc.backlog else "SOMAXCONN")
    ours = {}
    for block in r.out.split("\nprocess ")[1:]:
        name, kind = re.match(r"(\S+) \(\[(\S+):", block).groups()
        assert kind == "fcgi-program", block
        keys = dict(re.findall(r"^    (socket\w*) +(.*)$", block, re.M))
        m = re.search(r"uid (\d+)(?:, gid (\d+))?", keys["socket_owner"])
        owner = (int(m.group(1)), int(m.group(2) or -1)) if m else None
        ours[name.split(":")[0]] = (keys["socket"], owner,
                                   keys["socket_mode"],
                                   keys["socket_backlog"])
    # supervisord prints no mode for a TCP socket, tend "(none)"
    assert ours == theirs
    assert theirs["plain"][1] == (65534, 65534)  # owner from user=


# A program continued in an included file, and [DEFAULT]: supervisord
# reads every file into one configparser, so a section written again in
# another file takes its keys (the last one wins), and [DEFAULT]'s keys
# are every section's (from any file).
MAIN = """\
[DEFAULT]
startsecs=7
stopsignal=QUIT

[supervisord]

[include]
files=conf.d/*.conf

[program:web]
command=/bin/sleep 5
priority=1
"""
INCLUDED = {
    "a.conf": "[program:web]\ncommand=/bin/sleep 2\npriority=2\n"
              "[program:other]\ncommand=/bin/echo %(here)s\n"
              "stopsignal=TERM\n",
    "b.conf": "[program:web]\npriority=3\n[DEFAULT]\nautostart=false\n"
              "colour=blue\n",
}


def test_sections_across_includes_and_default_read_as_supervisord(
        tmp_path):
    conf = tmp_path / "supervisord.conf"
    conf.write_text(MAIN)
    (tmp_path / "conf.d").mkdir()
    for name, text in INCLUDED.items():
        (tmp_path / "conf.d" / name).write_text(text)
    o, r = same_tables(conf)
    ours, _ = tend_table(conf)
    assert ours["web"] == {"command": "/bin/sleep 2", "priority": "3",
                           "startsecs": "7", "autostart": "false",
                           "stopsignal": "QUIT"}
    assert ours["other"]["command"] == f"/bin/echo {tmp_path}/conf.d"
    a, b = tmp_path / "conf.d/a.conf", tmp_path / "conf.d/b.conf"
    for want in (f"{a}:1: duplicate section [program:web]: its keys are "
                 f"added to those of {conf}:10",
                 f"{a}:2: duplicate key 'command' in [program:web]; this "
                 f"one replaces {conf}:11",
                 f"{b}:2: duplicate key 'priority' in [program:web]; this "
                 f"one replaces {a}:3",
                 f"{b}:5: unknown key 'colour' in [DEFAULT] (ignored)"):
        assert want in r.err, f"{want!r} not in:\n{r.err}"
    assert "[DEFAULT]" not in r.err.replace("in [DEFAULT] (ignored)", "")
