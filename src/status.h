/*
 * status.h: status and introspection requests (req.def): status, pid,
 * ps, avail, version, metrics.
 */
#ifndef TEND_STATUS_H
#define TEND_STATUS_H

#include "req.h"

void status_do_list(struct req *rq); /* STATUS, STATUS_FULL, PID, PS */
void status_do_avail(struct req *rq);
void status_do_version(struct req *rq);
void status_do_metrics(struct req *rq);

#endif /* TEND_STATUS_H */
