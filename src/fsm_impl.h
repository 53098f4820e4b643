/*
 * fsm_impl.h: what fsm.c shares with its rooms fsm_deps.c (the dependency
 * checks) and fsm_describe.c (the DESCRIPTION column); nothing else
 * includes it.
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

#endif /* TEND_FSM_IMPL_H */
