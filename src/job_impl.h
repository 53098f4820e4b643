/*
 * job_impl.h: what job.c shares with job_shutdown.c (the shutdown's
 * rounds); nothing else includes it.
 */
#ifndef TEND_JOB_IMPL_H
#define TEND_JOB_IMPL_H

#include "job.h"

/* job.c: the loop-turn timer that moves the shutdown job on. */
void job_turn_init(void);

/* job_shutdown.c */
void job_down_free(struct job_down *d);
/* Step I of J is done (BACK false) or waited for again (BACK true). */
void job_down_left(struct job *j, size_t i, bool back);
/* ST (a JOB_GOAL_DOWN step) may have reached its goal, or left it. */
void job_down_eval(struct job_step *st);
/* Stop what the shutdown's present level still has running. */
void job_shutdown_round(struct job *j);
/* Is every step of shutdown job J done? */
bool job_down_over(const struct job *j);
/* Queue the shutdown job (W: its retry timer on ENOMEM). */
void job_shutdown_queue(struct ev_loop *loop, ev_timer *w, int revents);

#endif /* TEND_JOB_IMPL_H */
