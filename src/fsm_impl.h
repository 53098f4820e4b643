/*
 * fsm_impl.h: what fsm.c shares with its rooms fsm_deps.c (the dependency
 * checks), fsm_describe.c (the DESCRIPTION column) and fsm_policy.c (the
 * exit and restart policy); nothing else includes it.
 */
#ifndef TEND_FSM_IMPL_H
#define TEND_FSM_IMPL_H

#include "fsm.h"

enum fsm_deps { FSM_DEPS_READY, FSM_DEPS_WAIT, FSM_DEPS_DOWN };

bool fsm_is_up(const struct proc *p);
bool fsm_is_down(const struct proc *p);
enum fsm_deps fsm_deps_check(const struct proc *p, const struct proc **down);
const struct proc *fsm_deps_fatal(const struct proc *p);
bool fsm_rdeps_up(const struct proc *p);
void fsm_note_dep(struct proc *p, const struct proc *q);

/* fsm_policy.c */
#define FSM_SPAWN_ERROR_PREFIX "spawn error: "
/* Did the run that just ended (at NOW) fail to start? */
bool fsm_failed_start(const struct proc *p, const char *exec_error, double now);
/* readiness_timeout ran out: spawnerr says what did not come. */
void fsm_note_timeout(struct proc *p);
/* spawnerr for a failed start (supervisord's text for an early exit). */
void fsm_failed_start_reason(struct proc *p, const char *exec_error);
/* The exit is in exitcodes (a death by signal never is). */
bool fsm_exit_expected(const struct proc *p);
/* autorestart says restart after this exit. */
bool fsm_wants_restart(const struct proc *p);
/* The delay before restarting after a run of RAN seconds (backoff). */
double fsm_restart_delay(const struct proc *p, double ran);

#endif /* TEND_FSM_IMPL_H */
