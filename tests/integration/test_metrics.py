"""tendctl metrics: Prometheus's text format (checked by this file's own
parser, and by `promtool check metrics` when Debian's prometheus package
is installed), with the numbers of the running tendd; and the bash
completion, which asks the running tendd for process names."""

import os
import re
import shutil
import signal
import subprocess
import textwrap

import pytest

from tendlib import (EXIT_NOCONN, EXIT_OK, SRCDIR, STATES, TENDCTL,
                     package_version, run)

PROMTOOL = shutil.which("promtool")
BASH = shutil.which("bash")

SAMPLE_RE = re.compile(
    r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$')
LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)')


def unescape(v):
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n"
                  else m.group(1), v)


def parse(text):
    """Prometheus text -> ({metric: type}, [(metric, {label: v}, value)]).
    Asserts the format rules a scraper relies on: every sample's family
    has HELP and TYPE before it, a family is contiguous, counters end in
    _total, no sample is repeated."""
    types, helps, samples, seen, order = {}, {}, [], set(), []
    for line in text.splitlines():
        assert line, "empty line in metrics output"
        if line.startswith("# HELP "):
            name, _, h = line[7:].partition(" ")
            assert name not in helps, f"HELP twice for {name}"
            helps[name] = h
            continue
        if line.startswith("# TYPE "):
            name, _, t = line[7:].partition(" ")
            assert name in helps, f"TYPE before HELP for {name}"
            assert t in ("gauge", "counter"), line
            types[name] = t
            continue
        assert not line.startswith("#"), line
        m = SAMPLE_RE.match(line)
        assert m, f"not a sample line: {line!r}"
        name, labels_text, value = m.groups()
        assert name in types, f"sample before TYPE: {line}"
        if order and order[-1] != name:
            assert name not in order, f"family {name} is not contiguous"
        if not order or order[-1] != name:
            order.append(name)
        labels = {}
        if labels_text:
            pos = 0
            for lm in LABEL_RE.finditer(labels_text):
                assert lm.start() == pos, f"bad labels: {labels_text!r}"
                labels[lm.group(1)] = unescape(lm.group(2))
                pos = lm.end()
            assert pos == len(labels_text), f"bad labels: {labels_text!r}"
        key = (name, tuple(sorted(labels.items())))
        assert key not in seen, f"duplicate sample: {line}"
        seen.add(key)
        samples.append((name, labels, float(value)))
    for name, t in types.items():
        assert (t == "counter") == name.endswith("_total"), \
            f"{name}: a {t}"
    return types, samples


def value(samples, metric, **labels):
    found = [v for (n, lab, v) in samples
             if n == metric and all(lab.get(k) == x
                                    for k, x in labels.items())]
    assert len(found) == 1, f"{metric}{labels}: {len(found)} samples"
    return found[0]


def has(samples, metric, **labels):
    return any(n == metric and all(lab.get(k) == x
                                   for k, x in labels.items())
               for (n, lab, v) in samples)


CONF = """
    [program:web]
    command={H}/sleeper
    startsecs=0
    stopwaitsecs=1

    [program:pool]
    command={H}/sleeper
    process_name=%(program_name)s_%(process_num)d
    numprocs=2
    startsecs=0
    stopwaitsecs=1

    [program:idle]
    command={H}/sleeper
    autostart=false
    startsecs=0
"""


def metrics(tend):
    r = tend.ctl("metrics", check=EXIT_OK)
    assert r.err == "", r
    return r.out


def test_metrics_format_and_numbers(tend):
    tend.start(CONF)
    web = tend.wait_state("web", "RUNNING")
    tend.wait_state("pool:pool_1", "RUNNING")
    text = metrics(tend)
    types, s = parse(text)

    # tendd itself
    assert value(s, "tend_info", version=package_version()) == 1
    assert value(s, "tend_config_generation") == 1
    # this tendctl is connected while tendd answers
    assert value(s, "tend_control_clients") >= 1
    assert value(s, "tend_processes") == 4
    assert value(s, "tend_resident_memory_bytes") > 0

    # one state sample per state name per process, exactly one of them 1
    for name in ("web", "pool:pool_0", "pool:pool_1", "idle"):
        states = {st: value(s, "tend_process_state", name=name, state=st)
                  for st in STATES}
        assert sum(states.values()) == 1, (name, states)
    assert value(s, "tend_process_state", name="web", state="RUNNING") == 1
    assert value(s, "tend_process_state", name="idle", state="STOPPED") == 1
    assert value(s, "tend_process_state", name="pool:pool_0",
                 state="RUNNING", group="pool") == 1

    assert value(s, "tend_process_spawns_total", name="web") == 1
    assert value(s, "tend_process_restarts_total", name="web") == 0
    assert value(s, "tend_process_spawns_total", name="idle") == 0
    assert value(s, "tend_process_uptime_seconds", name="web") >= 0
    assert value(s, "tend_process_uptime_seconds", name="idle") == 0
    assert abs(value(s, "tend_process_start_time_seconds", name="web")
               - web["start"]) <= 1
    # a process that never ran has no start time, no exit, no /proc data
    assert not has(s, "tend_process_start_time_seconds", name="idle")
    assert not has(s, "tend_process_last_exit_code", name="idle")
    assert not has(s, "tend_process_resident_memory_bytes", name="idle")
    assert value(s, "tend_process_log_dropped_bytes_total", name="web") == 0

    # CPU and memory of the running main process, from /proc
    for mode in ("user", "system"):
        assert value(s, "tend_process_cpu_seconds_total", name="web",
                     mode=mode) >= 0
    rss = value(s, "tend_process_resident_memory_bytes", name="web")
    assert rss > 0 and rss % 1024 == 0, rss
    pss = value(s, "tend_process_proportional_memory_bytes", name="web")
    assert 0 < pss <= rss, (pss, rss)
    assert value(s, "tend_process_threads", name="web") == 1

    # promtool's own lint, when installed
    if PROMTOOL:
        p = subprocess.run([PROMTOOL, "check", "metrics"], input=text,
                           capture_output=True, text=True, timeout=30)
        assert p.returncode == 0, (p.stdout, p.stderr, text)


def test_metrics_after_exits_and_reload(tend, helper):
    tend.start("""
        [program:web]
        command={H}/sleeper
        startsecs=0
        stopwaitsecs=1
    """)
    tend.wait_state("web", "RUNNING")
    tend.ctl("restart", "web", check=EXIT_OK)
    tend.ctl("stop", "web", check=EXIT_OK)
    s = parse(metrics(tend))[1]
    assert value(s, "tend_process_spawns_total", name="web") == 2
    assert value(s, "tend_process_restarts_total", name="web") == 1
    assert value(s, "tend_process_state", name="web", state="STOPPED") == 1
    # stopped by SIGTERM (the sleeper's default stopsignal)
    assert value(s, "tend_process_last_exit_signal", name="web") == 15
    assert value(s, "tend_process_last_exit_code", name="web") == 0
    assert value(s, "tend_process_last_exit_time_seconds", name="web") > 0
    assert not has(s, "tend_process_cpu_seconds_total", name="web")

    # A reload that changes the config counts a generation; one refused
    # does not.
    tend.write_config("""
        [program:web]
        command={H}/sleeper
        startsecs=0
        stopwaitsecs=1

        [program:new]
        command={H}/sleeper
        autostart=false
    """)
    tend.ctl("update", check=EXIT_OK)
    s = parse(metrics(tend))[1]
    assert value(s, "tend_config_generation") == 2
    assert value(s, "tend_processes") == 2
    tend.conf.write_text(tend.conf.read_text() + "\nbogus_line\n")
    tend.ctl("update", check=1)
    s = parse(metrics(tend))[1]
    assert value(s, "tend_config_generation") == 2

    # SIGHUP reloads too, and counts the same way.
    tend.write_config("""
        [program:web]
        command={H}/sleeper
        startsecs=0
        stopwaitsecs=1

        [program:third]
        command={H}/sleeper
        autostart=false
    """)
    os.kill(tend.pid, signal.SIGHUP)
    tend.wait_until(lambda: tend.status_of("third"), what="third added")
    s = parse(metrics(tend))[1]
    assert value(s, "tend_config_generation") == 3
    assert value(s, "tend_processes") == 2


def test_metrics_label_escaping(tend):
    """Group names may hold what a label value must escape; the output
    stays parseable."""
    tend.start(r"""
        [program:a]
        command={H}/sleeper
        process_name=a"b\c
        startsecs=0
        stopwaitsecs=1
    """)
    s = parse(metrics(tend))[1]
    names = {lab.get("name") for (n, lab, v) in s
             if n == "tend_process_state"}
    assert names == {'a:a"b\\c'}, names


def test_metrics_no_tendd(tmp_path):
    """No tendd: exit 4 and nothing on stdout, so that `tendctl metrics
    > f.tmp && mv f.tmp f.prom` never publishes an empty file."""
    r = run([TENDCTL, "-s", tmp_path / "none.sock", "metrics"])
    assert r.rc == EXIT_NOCONN, r
    assert r.out == "", r
    assert "none.sock" in r.err, r


def test_metrics_takes_no_arguments(tend):
    tend.start(CONF)
    r = tend.ctl("metrics", "web")
    assert r.rc == 2 and r.out == "", r
    assert "metrics: too many arguments" in r.err, r


# --- shell completion ---------------------------------------------------

def complete(tend, line):
    """Run contrib/tendctl.bash's completion on LINE (as typed, the cursor
    at its end) in a bash with the built tendctl first on PATH."""
    script = (f'source "{SRCDIR}/contrib/tendctl.bash"\n'
              'COMP_LINE=$1; COMP_POINT=${#COMP_LINE}\n'
              '_tendctl\n'
              'printf "%s\\n" "${COMPREPLY[@]}"\n')
    env = dict(os.environ, PATH=f"{TENDCTL.parent}:{os.environ['PATH']}")
    p = subprocess.run([BASH, "--norc", "-c", script, "bash", line],
                       capture_output=True, text=True, timeout=20, env=env)
    assert p.returncode == 0 and p.stderr == "", p
    return sorted(w for w in p.stdout.splitlines() if w)


@pytest.mark.skipif(BASH is None, reason="bash is not installed")
def test_bash_completion_verbs_and_live_names(tend):
    tend.start(CONF)
    tend.wait_state("web", "RUNNING")
    c = f"tendctl -c {tend.conf}"
    assert complete(tend, "tendctl st") == ["start", "status", "stop"]
    assert "metrics" in complete(tend, "tendctl ")
    assert complete(tend, f"{c} stop ") == sorted(
        ["all", "idle", "pool:*", "pool:pool_0", "pool:pool_1", "web"])
    assert complete(tend, f"tendctl -s {tend.sock} restart p") == sorted(
        ["pool:*", "pool:pool_0", "pool:pool_1"])
    # readline replaces what follows the last ':' (COMP_WORDBREAKS)
    assert complete(tend, f"{c} start pool:pool_") == ["pool_0", "pool_1"]
    assert complete(tend, f"{c} tail web ") == ["stderr", "stdout"]
    assert "HUP" in complete(tend, f"{c} signal ")
    assert complete(tend, f"{c} signal HUP w") == ["web"]
    # names follow a reload: nothing is cached
    tend.write_config(textwrap.dedent(CONF) + textwrap.dedent("""
        [program:worker]
        command={H}/sleeper
        autostart=false
    """))
    tend.ctl("update", check=EXIT_OK)
    assert complete(tend, f"{c} start wo") == ["worker"]


@pytest.mark.skipif(BASH is None, reason="bash is not installed")
def test_bash_completion_without_tendd(tmp_path):
    """No tendd: no names, no error output, no delay worth the name."""
    script = (f'source "{SRCDIR}/contrib/tendctl.bash"\n'
              'COMP_LINE=$1; COMP_POINT=${#COMP_LINE}\n'
              '_tendctl\n'
              'printf "%s\\n" "${COMPREPLY[@]}"\n')
    env = dict(os.environ, PATH=f"{TENDCTL.parent}:{os.environ['PATH']}")
    p = subprocess.run([BASH, "--norc", "-c", script, "bash",
                        f"tendctl -s {tmp_path}/none.sock stop "],
                       capture_output=True, text=True, timeout=20, env=env)
    assert p.returncode == 0 and p.stderr == "", p
    assert p.stdout.split() == ["all"], p
