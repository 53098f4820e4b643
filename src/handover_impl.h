/*
 * handover_impl.h: what handover.c shares with handover_check.c (the
 * check of the new binary); nothing else includes it.
 */
#ifndef TEND_HANDOVER_IMPL_H
#define TEND_HANDOVER_IMPL_H

#include "handover.h"

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>

struct req;

/* handover.c */
struct ev_loop *handover_loop(void);
/* Why a reexec cannot run now (a reload, a shutdown), or NULL. */
const char *handover_busy(void);
/* The binary to execute (tendd's path), and the config given to -c. */
const char *handover_exe(void);
const char *handover_conf(void);
/* The old image is open: there is something to fall back to. */
bool handover_has_image(void);
/* The check passed: execute from the loop, once the reply is out. */
void handover_exec_soon(void);

/* handover_check.c */
/* Check the binary at handover_exe() against our state and config, then
 * (unless DRY) re-execute; RQ (NULL: SIGUSR1) is answered when it is
 * over.  -1 when it cannot begin (MSG says why). */
int handover_check_begin(struct req *rq, bool dry, char *msg, size_t len);

#endif /* TEND_HANDOVER_IMPL_H */
