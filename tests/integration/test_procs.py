"""Every process a service owns (issue 10): tracking through double forks
(cgroup v2, or the session fallback), `tendctl ps` trees with threads,
RSS and PSS, status --json sums, stop_leftovers, rlimits, limit keys
that cannot apply.  Each test ends with no process left (the fixture
checks)."""

import json
import os
import shutil
import socket

import pytest

import tendlib


def ps_json(tend, *names):
    r = tend.ctl("ps", *names, json=True, check=0)
    return {s["name"]: s for s in json.loads(r.out)}


def read_pid(path, tend):
    tend.wait_until(lambda: path.exists(), what=f"{path} to appear")
    return int(path.read_text().split()[0])


def test_daemonising_service_is_one_tree_and_stops_whole(tend):
    """A double-forking service: the orphaned grandchild (re-parented to
    tendd) is listed under the service, and stop leaves nothing."""
    pidfile = tend.dir / "gc.pid"
    tend.track_pidfile(pidfile)
    tend.start(f"""
        [program:daemon]
        command={{H}}/doublefork {pidfile}
        startsecs=0
        stopwaitsecs=5
    """)
    tend.wait_state("daemon", "RUNNING")
    gc = read_pid(pidfile, tend)
    main = tend.pid_of("daemon")
    svc = ps_json(tend, "daemon")["daemon"]
    pids = {p["pid"]: p for p in svc["processes"]}
    assert main in pids and gc in pids, svc
    assert pids[main]["main"] and not pids[gc]["main"]
    assert pids[gc]["ppid"] == tend.pid  # adopted by the subreaper
    assert svc["nprocs"] == 2
    assert svc["rss_kb"] >= pids[main]["rss_kb"] > 0
    text = tend.ctl("ps", "daemon", check=0).out
    assert str(gc) in text and "PSS" in text
    tend.ctl("stop", "daemon", check=0)
    assert tendlib.wait_gone(gc, timeout=5), "grandchild survived stop"
    assert tend.state("daemon") == "STOPPED"


def test_main_exits_while_child_lives_on(tend):
    """The classic daemon: the main process exits 0 at once, its child
    lives on.  Reported as such (not bare EXITED), and stop drains it."""
    pidfile = tend.dir / "gc.pid"
    tend.track_pidfile(pidfile)
    tend.start(f"""
        [program:classic]
        command={{H}}/doublefork {pidfile} exit
        startsecs=0
        autorestart=false
        stopwaitsecs=5
    """)
    tend.wait_state("classic", "EXITED")
    gc = read_pid(pidfile, tend)
    tend.wait_until(lambda: tend.status_of("classic")["leftovers"] == 1,
                    what="the leftover to be counted")
    st = tend.status_of("classic")
    assert st["pid"] == 0
    assert f"main process exited; 1 process left (pid {gc})" in \
        st["description"], st
    assert st["nprocs"] == 1
    svc = ps_json(tend, "classic")["classic"]
    assert [p["pid"] for p in svc["processes"]] == [gc]
    r = tend.ctl("stop", "classic", check=0)
    assert "stopped" in r.out
    assert tendlib.wait_gone(gc, timeout=5)
    st = tend.status_of("classic")
    assert st["state"] == "STOPPED" and st["leftovers"] == 0


def test_stop_leftovers_false_leaves_them(tend):
    pidfile = tend.dir / "gc.pid"
    tend.track_pidfile(pidfile)
    tend.start(f"""
        [program:keep]
        command={{H}}/doublefork {pidfile} exit
        startsecs=0
        autorestart=false
        stop_leftovers=false
    """)
    tend.wait_state("keep", "EXITED")
    gc = read_pid(pidfile, tend)
    r = tend.ctl("stop", "keep")
    assert "keep: ERROR (not running)" in r.out
    assert tendlib.is_alive(gc)
    os.kill(gc, 9)
    assert tendlib.wait_gone(gc, timeout=5)


def test_threads_are_counted_not_listed(tend):
    tend.start("""
        [program:thr]
        command={H}/threads 7
        startsecs=0
    """)
    tend.wait_state("thr", "RUNNING")
    pid = tend.pid_of("thr")
    tend.wait_until(
        lambda: tendlib.proc_status_field(pid, "Threads") == ["7"],
        what="7 threads")
    svc = ps_json(tend, "thr")["thr"]
    assert len(svc["processes"]) == 1
    p = svc["processes"][0]
    assert p["pid"] == pid and p["threads"] == 7 and p["state"] in "RS"
    assert "threads 7" in p["cmd"]


def test_rlimits_reach_the_child(tend):
    tend.start("""
        [program:lim]
        command={H}/threads 1 limits
        startsecs=0
        rlimit_nofile=64:128
        rlimit_core=0
        rlimit_as=unlimited
        stdout_logfile={T}/lim.out
    """)
    tend.wait_state("lim", "RUNNING")
    out = tend.dir / "lim.out"
    tend.wait_until(lambda: "limits" in out.read_text()
                    if out.exists() else False, what="the limits line")
    line = [ln for ln in out.read_text().splitlines()
            if ln.startswith("limits")][0]
    assert " nofile 64 " in line and " core 0 " in line and \
        " as unlimited" in line, line
    pid = tend.pid_of("lim")
    limits = open(f"/proc/{pid}/limits").read()
    assert [ln for ln in limits.splitlines()
            if ln.startswith("Max open files")][0].split()[3:5] == \
        ["64", "128"]


def test_bad_rlimit_is_a_config_error(tend):
    tend.write_config("""
        [program:x]
        command={H}/sleeper
        rlimit_nofile=100:10
    """)
    r = tendlib.run([str(tendlib.TENDD), "-n", "-c", str(tend.conf)])
    assert r.rc == 1
    assert "rlimit_nofile: '100:10': the soft limit is above the hard " \
           "limit" in r.err, r.err


def _cgroup_controllers(tend):
    """The controllers tendd enabled, from its log ("" if none, None in
    session mode)."""
    for line in tend.log_text().splitlines():
        if "tracking processes with cgroup v2 under" in line:
            return line.rsplit("(controllers: ", 1)[1].rstrip(")")
    return None


def test_limit_keys_warn_when_they_cannot_apply(tend):
    tend.start("""
        [program:big]
        command={H}/sleeper
        startsecs=0
        memory_max=64MB
        cpu_max=50
    """)
    tend.wait_state("big", "RUNNING")
    ctls = _cgroup_controllers(tend)
    log = tend.log_text()
    if ctls is None:
        assert "big: memory_max: not applied: processes are not tracked " \
               "with cgroups" in log
    else:
        for key, ctl in (("memory_max", "memory"), ("cpu_max", "cpu")):
            if ctl not in ctls.split():
                assert f"big: {key}: not applied: the {ctl} controller " \
                       f"is not available" in log, log
    if ctls is not None and "memory" in ctls.split():
        st = tend.status_of("big")
        assert st["tracking"] == "cgroup"


def test_fallback_session_mode(tend):
    """cgroup=off: tracking by session; the double-forked grandchild is
    still found (it kept the session) and stopped."""
    pidfile = tend.dir / "gc.pid"
    tend.track_pidfile(pidfile)
    tend.start(f"""
        [tend]
        cgroup=off

        [program:daemon]
        command={{H}}/doublefork {pidfile}
        startsecs=0
        stopwaitsecs=5
    """)
    tend.wait_state("daemon", "RUNNING")
    gc = read_pid(pidfile, tend)
    st = tend.status_of("daemon")
    assert st["tracking"] == "session"
    # The grandchild may write its pidfile before the intermediate child
    # it forked from has exited and been reaped.
    tend.wait_until(lambda: tend.status_of("daemon")["nprocs"] == 2,
                    what="main process and grandchild only")
    svc = ps_json(tend, "daemon")["daemon"]
    assert svc["tracking"] == "session"
    assert {p["pid"] for p in svc["processes"]} == {st["pid"], gc}
    tend.ctl("stop", "daemon", check=0)
    assert tendlib.wait_gone(gc, timeout=5)


def test_fallback_main_exits_child_lives_on(tend):
    pidfile = tend.dir / "gc.pid"
    tend.track_pidfile(pidfile)
    tend.start(f"""
        [tend]
        cgroup=off

        [program:classic]
        command={{H}}/doublefork {pidfile} exit
        startsecs=0
        autorestart=false
        stopwaitsecs=5
    """)
    tend.wait_state("classic", "EXITED")
    gc = read_pid(pidfile, tend)
    tend.wait_until(lambda: tend.status_of("classic")["leftovers"] == 1,
                    what="the leftover to be counted")
    tend.ctl("stop", "classic", check=0)
    assert tendlib.wait_gone(gc, timeout=5)
    assert tend.state("classic") == "STOPPED"


def test_cgroup_mode_uses_one_cgroup_per_process(tend):
    tend.start("""
        [program:web]
        command={H}/sleeper
        startsecs=0
        numprocs=2
        process_name=%(program_name)s_%(process_num)d
    """)
    tend.wait_state("web:web_0", "RUNNING")
    tend.wait_state("web:web_1", "RUNNING")
    st = tend.status_of("web:web_0")
    if st["tracking"] != "cgroup":
        pytest.skip("cgroup v2 not usable here: " + tend.log_text())
    pid = st["pid"]
    cg = open(f"/proc/{pid}/cgroup").read()
    line = [ln for ln in cg.splitlines() if ln.startswith("0::")][0]
    assert line.endswith(f"/tend.{tend.pid}/web:web_0"), line
    pid1 = tend.status_of("web:web_1")["pid"]
    assert f"/tend.{tend.pid}/web:web_1" in open(f"/proc/{pid1}/cgroup").read()


def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


NGINX = shutil.which("nginx") or (
    "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)


@pytest.mark.skipif(NGINX is None,
                    reason="nginx is not installed (apt-get install "
                           "nginx-light)")
def test_nginx_master_and_workers_are_one_service(tend):
    port = _free_port()
    conf = tend.dir / "nginx.conf"
    conf.write_text(f"""
worker_processes 2;
pid {tend.dir}/nginx.pid;
error_log {tend.dir}/nginx-error.log;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {tend.dir}/client_body;
    proxy_temp_path {tend.dir}/proxy;
    fastcgi_temp_path {tend.dir}/fastcgi;
    uwsgi_temp_path {tend.dir}/uwsgi;
    scgi_temp_path {tend.dir}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{ return 200 "ok\\n"; }}
    }}
}}
""")
    tend.start(f"""
        [program:nginx]
        command={NGINX} -c {conf} -p {tend.dir} -g 'daemon off;'
        startsecs=1
        stopsignal=QUIT
        stopwaitsecs=10
    """)
    tend.wait_state("nginx", "RUNNING")

    def three():
        svc = ps_json(tend, "nginx")["nginx"]
        return svc if svc["nprocs"] == 3 else None
    svc = tend.wait_until(three, what="nginx master and 2 workers")
    procs = svc["processes"]
    master = [p for p in procs if p["main"]]
    assert len(master) == 1 and "master process" in master[0]["cmd"]
    workers = [p for p in procs if not p["main"]]
    assert all(p["ppid"] == master[0]["pid"] and p["depth"] == 1 and
               "worker process" in p["cmd"] for p in workers), procs
    rss_sum = sum(p["rss_kb"] for p in procs)
    pss_sum = sum(p["pss_kb"] for p in procs)
    assert svc["rss_kb"] == rss_sum and svc["pss_kb"] == pss_sum
    # Shared pages are counted once per process in RSS, divided in PSS.
    assert 0 < pss_sum < rss_sum, procs
    st = tend.status_of("nginx")
    assert st["nprocs"] == 3 and 0 < st["pss_kb"] < st["rss_kb"]
    tend.ctl("stop", "nginx", check=0)
    for p in procs:
        assert tendlib.wait_gone(p["pid"], timeout=5)


def test_fallback_stop_all_finds_every_leftover(tend):
    """cgroup=off, 24 services that each leave a child behind when their
    main process dies, stopped together: the exits of one loop turn share
    one /proc scan (cgroup_scan_saw_exit), and each service's leftover
    is still found in it, stopped, and nothing outlives the stop.  One
    status request per look at all 24: in session mode each request
    scans /proc, which under ASan on a loaded machine takes seconds."""
    n = 24
    names = [f"lo{i}" for i in range(n)]
    tend.start("[tend]\ncgroup=off\n" + "".join(
        f"\n[program:{name}]\n"
        "command=/bin/sh -c 'sleep 1000 & exec sleep 1000'\n"
        "startsecs=0\nstopwaitsecs=10\n" for name in names))

    def states():
        doc = tend.status_json()
        return {name: doc[name]["state"] for name in names}
    tend.wait_until(lambda: set(states().values()) == {"RUNNING"},
                    what="all RUNNING")
    # Each main process (the exec'd sleep) has its child sleep.
    tend.wait_until(lambda: len([st for st in
                                 tendlib.descendants(tend.pid).values()
                                 if st.state != "Z"]) == 2 * n,
                    what=f"{2 * n} processes below tendd")
    before = tendlib.descendants(tend.pid)
    tend.ctl("stop", "all", check=0)
    doc = tend.status_json()
    for name in names:
        rec = doc[name]
        assert rec["state"] == "STOPPED", rec
        assert rec["leftovers"] == 0 and rec["tracking"] == "session", rec
    for pid, st in before.items():
        assert tendlib.wait_gone(pid, timeout=10, starttime=st.starttime), \
            f"{pid} outlived the stop"
