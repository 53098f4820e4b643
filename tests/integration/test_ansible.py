"""Ansible's community.general.supervisorctl module (Debian's ansible 7.7)
pointed at tendctl (supervisorctl_path) against a running tendd, for
each of its states (issue 18).  The module runs the command and reads
its text: status lines, "NAME: started", "NAME: added process group"...
Skipped without ansible: a large package (ansible 7.7 with its
collections), and 16 runs of the module take about 4 minutes on a
loaded 2-core machine, so dev.sh (CI) does not install it."""

import json
import os
import re
import shutil

import pytest

import tendlib
from tendlib import TENDCTL, run

ANSIBLE = shutil.which("ansible")
pytestmark = [pytest.mark.skipif(
    ANSIBLE is None, reason="ansible is not installed (apt-get install ansible)"),
    pytest.mark.peer]


def module(tend, **args):
    """Run the module on localhost; its result as a dict."""
    a = " ".join(f"{k}={v}" for k, v in
                 dict(supervisorctl_path=TENDCTL, config=tend.conf,
                      **args).items())
    env = dict(os.environ, ANSIBLE_HOME=str(tend.dir / "ansible"),
               ANSIBLE_LOCAL_TEMP=str(tend.dir / "ansible-tmp"),
               ANSIBLE_NOCOLOR="1",
               ANSIBLE_PYTHON_INTERPRETER="/usr/bin/python3")
    r = run([ANSIBLE, "localhost", "-i", "localhost,", "-c", "local",
             "-m", "community.general.supervisorctl", "-a", a],
            # a liveness bound: one run of ansible, a large Python
            # program, took over 60 s beside 3 other tests at load 25
            timeout=5 * tendlib.LIVENESS, env=env)
    m = re.search(r"^localhost \| (\w+)!? => (\{.*\})\s*$", r.out,
                  re.S | re.M)
    assert m, r
    res = json.loads(m.group(2))
    res["_status"] = m.group(1)
    return res


def test_every_state_of_the_supervisorctl_module(tend):
    tend.start("""
        [program:web]
        command={H}/sleeper
        startsecs=0
        stopwaitsecs=5

        [program:w]
        command={H}/sleeper
        process_name=%(program_name)s_%(process_num)d
        numprocs=2
        startsecs=0
        stopwaitsecs=5
    """)
    tend.wait_all("RUNNING")
    r = module(tend, name="web", state="stopped")
    assert r["_status"] == "CHANGED", r
    assert tend.state("web") == "STOPPED"
    r = module(tend, name="web", state="stopped")
    assert r["_status"] == "SUCCESS" and not r["changed"], r
    r = module(tend, name="web", state="started")
    assert r["_status"] == "CHANGED" and r["affected"] == ["web"], r
    tend.wait_state("web", "RUNNING")
    old = tend.pid_of("web")
    r = module(tend, name="web", state="restarted")
    assert r["_status"] == "CHANGED", r
    assert tend.pid_of("web") != old
    r = module(tend, name="web", state="signalled", signal="HUP")
    assert r["_status"] == "CHANGED", r
    # a group, "NAME:"
    r = module(tend, name="w:", state="stopped")
    assert sorted(r["affected"]) == ["w:w_0", "w:w_1"], r
    assert tend.state("w:w_0") == tend.state("w:w_1") == "STOPPED"
    # absent: supervisorctl refuses to remove a running group (its
    # message, the module's failure); stopped, it is removed
    r = module(tend, name="web", state="absent")
    assert r["_status"] == "FAILED", r
    assert r["msg"] == "ERROR: process/group still running: web\n", r
    module(tend, name="web", state="stopped")
    r = module(tend, name="web", state="absent")
    assert r["_status"] == "CHANGED", r
    assert "web" not in tend.status_json()
    r = module(tend, name="web", state="present")
    assert r["_status"] == "CHANGED", r
    tend.wait_state("web", "RUNNING")
    r = module(tend, name="web", state="present")
    assert r["_status"] == "SUCCESS" and not r["changed"], r
    r = module(tend, name="nosuch", state="started")
    assert r["_status"] == "FAILED" and r["msg"] == "ERROR (no such process)"
    assert run([TENDCTL, "-c", tend.conf, "status", "web"]).rc == 0
