/*
 * logs.h: the log requests (req.def): tail and maintail (with follow),
 * clear, reopen.
 */
#ifndef TEND_LOGS_H
#define TEND_LOGS_H

#include "req.h"

void logs_do_tail(struct req *rq); /* TAIL, MAINTAIL */
void logs_do_clear(struct req *rq);
void logs_do_reopen(struct req *rq);
void logs_do_readlog(struct req *rq);

#endif /* TEND_LOGS_H */
