/*
 * xmlrpc_impl.h: what xmlrpc.c (dispatch, faults, system.*) shares with
 * xmlrpc_sv.c (supervisor.* over the request API).  Not for other rooms.
 */
#ifndef TEND_XMLRPC_IMPL_H
#define TEND_XMLRPC_IMPL_H

#include "xmlrpc.h"
#include "req.h"

#include "httplib.h"

#include <stdint.h>

/* supervisord's fault codes (its xmlrpc.py Faults). */
enum xr_fault {
	XR_UNKNOWN_METHOD = 1,
	XR_INCORRECT_PARAMETERS = 2,
	XR_BAD_ARGUMENTS = 3,
	XR_SIGNATURE_UNSUPPORTED = 4,
	XR_SHUTDOWN_STATE = 6,
	XR_BAD_NAME = 10,
	XR_BAD_SIGNAL = 11,
	XR_NO_FILE = 20,
	XR_NOT_EXECUTABLE = 21,
	XR_FAILED = 30,
	XR_ABNORMAL_TERMINATION = 40,
	XR_SPAWN_ERROR = 50,
	XR_ALREADY_STARTED = 60,
	XR_NOT_RUNNING = 70,
	XR_SUCCESS = 80,
	XR_ALREADY_ADDED = 90,
	XR_STILL_RUNNING = 91,
	XR_CANT_REREAD = 92,
};

struct xmlrpc_call {
	struct xmlrpc_call *parent; /* the multicall this is one call of */
	xmlrpc_done_fn *done;       /* the top call's */
	void *arg;
	bool running; /* inside xmlrpc_run: DONE came synchronously */
	bool finished;
	/* A method that answers later keeps its state here; CANCEL frees
	 * it when the client goes away first. */
	void *state;
	void (*cancel)(struct xmlrpc_call *c);
	/* system.multicall */
	xmlrpc_value *calls, *results;
	int next, ncalls;
	struct xmlrpc_call *sub; /* the call in flight */
	bool looping;            /* mc_advance is on the stack */
	pid_t pid;               /* who asked (the top call's), for logs */
	uid_t uid;
};

/* Who asked C (its top call's peer). */
pid_t xmlrpc_peer_pid(const struct xmlrpc_call *c);
uid_t xmlrpc_peer_uid(const struct xmlrpc_call *c);

typedef void xr_fn(struct xmlrpc_call *c, xmlrpc_env *env, xmlrpc_value *p);

/* Answer C with V (a new reference, taken; NULL or ENV's fault: FAILED). */
void xr_return(struct xmlrpc_call *c, xmlrpc_env *env, xmlrpc_value *v);
/* supervisord's fault text: "NAME" (FMT NULL) or "NAME: EXTRA". */
void xr_fault(struct xmlrpc_call *c, int code, const char *fmt, ...)
    TEND_PRINTF(3, 4);
/* The fault's name: "BAD_NAME". */
const char *xr_fault_name(int code);

/* Parameter I of P; false: C has been answered with
 * INCORRECT_PARAMETERS.  A string is malloc'd.  An absent optional
 * parameter leaves *OUT as it was. */
bool xr_arg_str(struct xmlrpc_call *c, xmlrpc_env *env, xmlrpc_value *p,
    int i, char **out);
bool xr_arg_int(struct xmlrpc_call *c, xmlrpc_env *env, xmlrpc_value *p,
    int i, int *out);
bool xr_arg_bool(struct xmlrpc_call *c, xmlrpc_env *env, xmlrpc_value *p,
    int i, bool *out);


/* --- the request bridge (xmlrpc_sv.c), shared with xmlrpc_cf.c --- */

struct sv_rec {
	char **kv; /* key, value, key, value... */
	size_t n;  /* pairs */
};

struct sv_req;
typedef void sv_finish_fn(struct sv_req *s, xmlrpc_env *env);

struct sv_req {
	struct req rq;
	struct xmlrpc_call *c; /* NULL: nobody waits for the answer */
	sv_finish_fn *finish;
	struct sv_rec *recs;
	size_t nrecs, caprecs;
	char *data;
	size_t dlen, dcap;
	char *err; /* the request failed as a whole */
	bool oom;
	/* the call's arguments */
	char *name;
	bool wait;
	bool group; /* answer an array for a group or all */
	bool tail;  /* tailProcessLog: [bytes, offset, overflow] */
	int offset;
	struct sv_req *prev; /* reloadConfig: REREAD's records */
	struct sv_req *dead; /* answered, to be freed (xmlrpc_reap) */
};

struct sv_req *sv_new(struct xmlrpc_call *c, sv_finish_fn *finish);
/* Run request TYPE on ARGV (NULL-terminated) with options OPTS (key,
 * value pairs, NULL-terminated) for S; S is freed when it is over. */
void sv_run(struct sv_req *s, uint16_t type, const char **argv,
    const char **opts);
/* sv_new() and sv_run() of a request whose ARGV (NULL: none) and OPTS
 * are the method's own, not the call's. */
void sv_call(struct xmlrpc_call *c, sv_finish_fn *finish, uint16_t type,
    const char **argv, const char **opts);
void sv_free(struct sv_req *s);
const char *sv_get(const struct sv_rec *r, const char *key);
long long sv_getll(const struct sv_rec *r, const char *key);
/* The request failed as a whole: the fault its error text names. */
void sv_fail(struct sv_req *s);
/* "G:P" -> G and P; "P" -> P and P. */
void sv_split(const char *fullname, char *group, size_t glen,
    const char **name);
/* The single-process pattern of a name ("P" -> "P:P"); NULL: a group. */
char *sv_single(const char *name);
/* Answer True, or the request's failure. */
void sv_fin_true(struct sv_req *s, xmlrpc_env *env);
/* The fault CODE about result R of S's request. */
void sv_fault_result(struct sv_req *s, const struct sv_rec *r, int code);

/* supervisor.*: xmlrpc_sv.c, xmlrpc_cf.c */
xr_fn sv_state, sv_process_info, sv_all_process_info, sv_all_config_info,
    sv_start, sv_start_group, sv_start_all, sv_stop, sv_stop_group,
    sv_stop_all, sv_signal, sv_signal_group, sv_signal_all, sv_read_log,
    sv_read_stdout, sv_read_stderr, sv_tail_stdout, sv_tail_stderr,
    sv_clear_log, sv_clear_process_logs, sv_clear_all_logs, sv_shutdown,
    sv_restart, sv_reload_config, sv_add_group, sv_remove_group,
    sv_send_stdin, sv_send_comm_event;

#endif /* TEND_XMLRPC_IMPL_H */
