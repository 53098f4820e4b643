"""supervisord.conf files in the shapes public projects ship (issue 18):
each goes through supervisord 4.2's parser (Debian's
supervisor.options.ServerOptions) and `tendd -n -v`, and the process
tables must agree key by key; `tendd -n --strict` lists the oddities
(only those expected here).  The files are in realworld/, with {T} for
the test's directory."""

import re
from pathlib import Path

import pytest

from tendlib import TENDD, run

options = pytest.importorskip(
    "supervisor.options", reason="Debian's supervisor package (dev.sh)")

HERE = Path(__file__).parent / "realworld"
CONFS = sorted(p.name for p in HERE.glob("*.conf"))

SIGNALS = {1: "HUP", 2: "INT", 3: "QUIT", 9: "KILL", 15: "TERM"}

# What --strict says of each file beyond nothing, as (line, start of
# message): only what supervisord itself warns of or ignores.
STRICT = {
    "devbox.conf": [(17, "serverurl 'http://localhost:9001' is not a "
                         "unix:// URL; tend ignores it")],
    "sonic-swss.conf": [
        (30, "stdout_logfile=syslog is deprecated"),
        (31, "stderr_logfile=syslog is deprecated"),
        (39, "stdout_logfile=syslog is deprecated"),
        (40, "stderr_logfile=syslog is deprecated"),
        (49, "stdout_logfile=syslog is deprecated"),
        (50, "stderr_logfile=syslog is deprecated"),
    ],
}


# Programs supervisord-dependent-startup starts (dependent_startup=true):
# their autostart=false is for supervisord without the plugin, and tend
# reads the key as the plugin does.
DEPENDENT = {"sonic-swss.conf": {"rsyslogd", "portsyncd", "orchagent"}}


def logfile(v):
    if v is None:
        return "NONE"
    if getattr(v, "__name__", "") == "Automatic":
        return "AUTO"
    return str(v)


def autorestart(v):
    if v is False:
        return "false"
    return {"RestartUnconditionally": "true",
            "RestartWhenExitUnexpected": "unexpected"}[v.__name__]


def theirs(path):
    o = options.ServerOptions()
    o.configfile = str(path)
    o.process_config(do_usage=False)
    table = {}
    for g in o.process_group_configs:
        pool = type(g).__name__ == "EventListenerPoolConfig"
        for p in g.process_configs:
            name = p.name if g.name == p.name else f"{g.name}:{p.name}"
            table[name] = {
                "command": " ".join(p.command.split()),
                # A pool's order is its group's priority (-1 unless
                # set): tend gives it to its processes.
                "priority": str(g.priority if pool else p.priority),
                "autostart": str(p.autostart).lower(),
                "autorestart": autorestart(p.autorestart),
                "startsecs": "%g" % p.startsecs,
                "startretries": str(p.startretries),
                "exitcodes": ",".join(map(str, p.exitcodes)),
                "stopsignal": SIGNALS[p.stopsignal],
                "stopwaitsecs": "%g" % p.stopwaitsecs,
                "stopasgroup": str(p.stopasgroup).lower(),
                "killasgroup": str(p.killasgroup).lower(),
                "redirect_stderr": str(p.redirect_stderr).lower(),
                "user": p.uid,
                "directory": p.directory,
                "stdout_logfile": logfile(p.stdout_logfile),
                "stderr_logfile": logfile(p.stderr_logfile),
                "stdout_logfile_maxbytes": str(p.stdout_logfile_maxbytes),
                "stdout_syslog": str(p.stdout_syslog).lower(),
                "environment": dict(p.environment or {}),
            }
            # redirected, stderr has no file of its own: supervisord
            # says None, tend prints the key's value
            if p.redirect_stderr:
                del table[name]["stderr_logfile"]
    return table


def ours(path):
    r = run([TENDD, "-n", "-v", "-c", path])
    assert r.rc == 0, r
    table = {}
    for block in r.out.split("\nprocess ")[1:]:
        name = block.split()[0]
        keys = dict(re.findall(r"^    (\S+) +(.*)$", block, re.M))
        env = {}
        if keys["environment"] != "(none)":
            for w in re.findall(r"(\w+)=('[^']*'|\S*)", keys["environment"]):
                env[w[0]] = w[1].strip("'")
        m = re.search(r"\(uid (\d+)", keys["user"])
        table[name] = {
            "command": " ".join(keys["command"].replace("'", "").split()),
            "user": int(m.group(1)) if m else None,
            "directory": None if keys["directory"] == "(tendd's)"
            else keys["directory"],
            "environment": env,
            **{k: keys[k] for k in keys if k in (
                "priority", "autostart", "autorestart", "startsecs",
                "startretries", "exitcodes", "stopsignal", "stopwaitsecs",
                "stopasgroup", "killasgroup", "redirect_stderr",
                "stdout_logfile", "stderr_logfile",
                "stdout_logfile_maxbytes", "stdout_syslog")},
        }
        if keys["redirect_stderr"] == "true":
            del table[name]["stderr_logfile"]
    return table, r


def prepare(tmp_path, name):
    """The file under TMP_PATH; a conf.d snippet (no [supervisord]) is
    included from a main file, as the projects install it."""
    (tmp_path / "conf.d").mkdir(exist_ok=True)
    text = (HERE / name).read_text().replace("{T}", str(tmp_path))
    if "[supervisord]" in text:
        conf = tmp_path / name
        conf.write_text(text)
        return conf
    (tmp_path / "conf.d" / name).write_text(text)
    conf = tmp_path / "supervisord.conf"
    conf.write_text(f"[supervisord]\n[include]\nfiles={tmp_path}/conf.d/*\n")
    return conf


@pytest.mark.parametrize("name", CONFS)
def test_realworld_conf_reads_as_supervisord(tmp_path, monkeypatch, name):
    monkeypatch.setenv("HOME", "/home/app")
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    conf = prepare(tmp_path, name)
    want = theirs(conf)
    for n in DEPENDENT.get(name, ()):
        want[n]["autostart"] = "true"
    got, r = ours(conf)
    for v in want.values():
        # supervisord keeps the command as written; tend prints its words
        v["command"] = v["command"].replace('"', "").replace("'", "")
    assert sorted(got) == sorted(want)
    for n in want:
        assert got[n] == want[n], n


@pytest.mark.parametrize("name", CONFS)
def test_realworld_conf_strict_lists_only_the_oddities(tmp_path, name):
    conf = prepare(tmp_path, name)
    r = run([TENDD, "-n", "--strict", "-c", conf])
    errs = [m for m in r.err.splitlines()
            if re.match(re.escape(f"{conf}:") + r"\d+: ", m)]
    want = STRICT.get(name, [])
    assert r.rc == (1 if want else 0), r
    assert len(errs) == len(want), r.err
    for (line, msg), got in zip(want, errs):
        assert got.startswith(f"{conf}:{line}: {msg}"), (got, r.err)
