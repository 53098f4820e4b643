#!/bin/sh
# tests/integration/spawn-fork.sh: the spawn-related integration tests
# again with every child cloned as by fork (TEND_SPAWN=fork, tendd(8)),
# the path that other architectures, old kernels and a cgroup joined by
# hand take; run.sh runs them the default way (children sharing tendd's
# memory on x86-64).  Same TAP and arguments as run.sh.
here=$(cd "$(dirname "$0")" && pwd)
TEND_SPAWN=fork
export TEND_SPAWN
exec sh "$here/run.sh" \
	-k "test_spawn.py or test_env.py or test_procs.py or test_fdbudget.py or test_fcgi.py" "$@"
