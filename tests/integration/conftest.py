"""Fixtures for tend's integration tests (see tendlib.py for the harness).

    def test_x(tend):
        tend.start('''
            [program:web]
            command={H}/sleeper
            startsecs=0
        ''')
        tend.wait_state("web", "RUNNING")
        rc, out, err = tend.ctl("stop", "web")

`tend` starts nothing by itself; tend.start(BODY) writes BODY (after a
header that puts the socket and child logs in tmp_path) and starts tendd.
`tend_factory(name)` makes more independent daemons in the same test.
Teardown shuts every daemon down and fails the test if tendd did not exit
cleanly or any process it started is still alive.
"""

import os
import signal

import pytest

import tendlib

# Per-test hard limit (a liveness bound, like every wait: tendlib.LIVENESS):
# a hung test fails (and still runs its teardown)
# instead of hanging make check.
TEST_TIMEOUT = int(os.environ.get("TEND_TEST_TIMEOUT", "300"))


def pytest_configure(config):
    tendlib.become_subreaper()
    config.addinivalue_line(
        "markers", "peer: the test's weight is in an outside program (a "
        "browser, supervisorctl, ansible); it runs in the debug build's "
        "pass only")


def pytest_collection_modifyitems(config, items):
    # make check runs this suite twice, in the debug build and under
    # ASan+UBSan; the second pass is there for tendd's memory errors.
    # A test whose time goes into a browser or a Python client does not
    # run there too (tests/integration/README.md).
    if not tendlib.sanitized_build():
        _spread_peers(config, items)
        return
    skip = pytest.mark.skip(reason="runs in the debug build's pass only "
                            "(a real peer's test; this is the ASan pass)")
    for item in items:
        if item.get_closest_marker("peer"):
            item.add_marker(skip)


def pytest_report_header(config):
    return [f"tend: tendd={tendlib.TENDD} helpers={tendlib.HELPERS}"]


def _alarm(signum, frame):
    raise TimeoutError(f"test exceeded its hard limit ({TEST_TIMEOUT} s, "
                       "4 times that for a peer's test)")


def _spread_peers(config, items):
    """Under pytest-xdist, put a peer's test (the longest ones) at every
    C-th place, C being the size of the first batch xdist's load
    scheduler gives each worker: each worker starts with one, instead
    of one worker ending the run with several."""
    workers = getattr(config, "workerinput", {}).get("workercount")
    if not workers:
        return
    peers = [i for i in items if i.get_closest_marker("peer")]
    rest = [i for i in items if not i.get_closest_marker("peer")]
    chunk = max(len(items) // workers // 4, 2)
    for n, item in enumerate(peers):
        rest.insert(min(n * chunk, len(rest)), item)
    items[:] = rest


@pytest.fixture(autouse=True)
def _hard_timeout(request):
    old = signal.signal(signal.SIGALRM, _alarm)
    # A peer's test starts a large program (ansible, supervisorctl, a
    # browser) many times: on a loaded machine, each start alone can
    # take a minute (16 runs of ansible took 599 s at load 30).
    peer = request.node.get_closest_marker("peer") is not None
    signal.alarm(TEST_TIMEOUT * (4 if peer else 1))
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _need(path):
    if not os.access(path, os.X_OK):
        pytest.fail(f"{path} is not built (make {path.relative_to(tendlib.BUILDDIR)})")


@pytest.fixture
def tend_factory(tmp_path):
    _need(tendlib.TENDD)
    _need(tendlib.TENDCTL)
    made = []

    def make(name="tend"):
        t = tendlib.Tend(tmp_path, name=name)
        made.append(t)
        return t
    yield make
    problems = []
    for t in reversed(made):
        for p in t.teardown():
            problems.append(f"[{t.name}] {p}")
    if problems:
        logs = "\n".join(t.log_tail() for t in made)
        pytest.fail("teardown: " + "\n".join(problems) + "\n" + logs,
                    pytrace=False)


@pytest.fixture
def tend(tend_factory):
    return tend_factory()


@pytest.fixture
def helper():
    """helper('crasher') -> its path; fails if the helper is not built."""
    def get(name):
        p = tendlib.HELPERS / name
        _need(p)
        return p
    return get


@pytest.fixture
def supervisord(tmp_path):
    """Debian's real supervisord with Tend's interface (tendlib.Supervisord):
    for running a test's scenario against the real thing."""
    if tendlib.SUPERVISORD is None:
        pytest.fail("supervisord is not installed (Debian's supervisor "
                    "package, in dev.sh's dependencies)")
    d = tendlib.Supervisord(tmp_path)
    yield d
    problems = d.teardown()
    if problems:
        pytest.fail("teardown: " + "\n".join(problems) + "\n" +
                    d.log_tail(), pytrace=False)
