/*
 * xmlrpc_sv.c: supervisord's supervisor.* methods on tend's request API.
 *
 * Owns: turning a supervisor.* call into a request (req.h: a type,
 * string arguments, options), collecting its records and data through a
 * reply sink, and shaping them as supervisord answers: a boolean or a
 * fault for one process, an array of {name, group, status, description}
 * for a group or all, getProcessInfo's struct with every field.  It acts
 * only through req_dispatch(): the same handlers serve tendctl.
 *
 * Names follow supervisord's rules (rpcinterface.py _getGroupAndProcess):
 * "G:P" is one process, "G:*" (or "G:") a group, and a bare "P" the
 * process P of group P (an ungrouped program) -- never a whole group, so
 * a bare group name is BAD_NAME for startProcess as in supervisord.
 *
 * Where tend differs: startProcess(name, false) answers once the process
 * is spawned (a start that cannot spawn is still a fault), by a start
 * that waits a millisecond; reloadConfig names groups from the processes
 * tend would add, change or remove; restart reloads the config without
 * restarting unchanged processes.
 */
#include "xmlrpc_impl.h"
#include "evbus.h"
#include "log.h"
#include "proto.h"
#include "req.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* More than this in one reply is cut (the sink counts it as FAILED). */
#define SV_DATA_MAX ((16u << 20) + 4096u)

/* --- the reply sink: collect ------------------------------------------ */

void
sv_free(struct sv_req *s)
{
	size_t i, j;

	for (i = 0; i < s->nrecs; i++) {
		for (j = 0; j < 2 * s->recs[i].n; j++)
			free(s->recs[i].kv[j]);
		free(s->recs[i].kv);
	}
	free(s->recs);
	free(s->data);
	free(s->err);
	free(s->name);
	if (s->prev != NULL)
		sv_free(s->prev);
	free(s);
}

static void
sv_record(struct req *rq)
{
	struct sv_req *s = rq->sink;
	struct sv_rec *v;
	size_t cap;

	if (s->nrecs == s->caprecs) {
		cap = s->caprecs ? 2 * s->caprecs : 16;
		if ((v = realloc(s->recs, cap * sizeof(*v))) == NULL) {
			s->oom = true;
			return;
		}
		s->recs = v;
		s->caprecs = cap;
	}
	memset(&s->recs[s->nrecs++], 0, sizeof(s->recs[0]));
}

static void
sv_kv(struct req *rq, const char *key, const char *value)
{
	struct sv_req *s = rq->sink;
	struct sv_rec *r;
	char **kv;

	if (s->nrecs == 0 || s->oom)
		return;
	r = &s->recs[s->nrecs - 1];
	if ((kv = realloc(r->kv, (2 * r->n + 2) * sizeof(*kv))) == NULL) {
		s->oom = true;
		return;
	}
	r->kv = kv;
	kv[2 * r->n] = strdup(key);
	kv[2 * r->n + 1] = strdup(value);
	r->n++;
	if (kv[2 * r->n - 2] == NULL || kv[2 * r->n - 1] == NULL)
		s->oom = true;
}

static void
sv_record_end(struct req *rq)
{
}

static void
sv_data(struct req *rq, const void *buf, size_t n)
{
	struct sv_req *s = rq->sink;
	size_t cap;
	char *p;

	if (s->oom || s->dlen + n > SV_DATA_MAX) {
		s->oom = true;
		return;
	}
	if (s->dlen + n + 1 > s->dcap) {
		cap = s->dcap ? s->dcap : 4096;
		while (cap < s->dlen + n + 1)
			cap *= 2;
		if ((p = realloc(s->data, cap)) == NULL) {
			s->oom = true;
			return;
		}
		s->data = p;
		s->dcap = cap;
	}
	memcpy(s->data + s->dlen, buf, n);
	s->dlen += n;
	s->data[s->dlen] = '\0';
}

/* Requests over: freed at the next loop turn (xmlrpc_reap), never under
 * the handler or notification that completed them. */
static struct sv_req *sv_dead;

void
xmlrpc_reap(void)
{
	struct sv_req *s;

	while ((s = sv_dead) != NULL) {
		sv_dead = s->dead;
		sv_free(s);
	}
}

/* The request is over: shape the answer, then forget it all. */
static void
sv_complete(struct sv_req *s)
{
	struct xmlrpc_call *c = s->c;
	xmlrpc_env env;

	if (c != NULL) {
		c->state = NULL;
		c->cancel = NULL;
		xmlrpc_env_init(&env);
		if (s->oom)
			xr_fault(c, XR_FAILED, "out of memory");
		else
			s->finish(s, &env);
		xmlrpc_env_clean(&env);
	}
	s->dead = sv_dead;
	sv_dead = s;
}

static void
sv_end(struct req *rq)
{
	sv_complete(rq->sink);
}

static void
sv_error(struct req *rq, const char *msg)
{
	struct sv_req *s = rq->sink;

	if ((s->err = strdup(msg)) == NULL)
		s->oom = true;
	sv_complete(s);
}

static void
sv_wake(struct req *rq)
{
	/* No streams over XML-RPC: nothing pumps. */
}

static bool
sv_dropped(const struct req *rq)
{
	return false;
}

/* Everything is collected at once: never busy. */
static bool
sv_busy(const struct req *rq)
{
	return false;
}

static const struct req_sink_ops sv_ops = {
    .record = sv_record,
    .kv = sv_kv,
    .record_end = sv_record_end,
    .data = sv_data,
    .end = sv_end,
    .error = sv_error,
    .wake = sv_wake,
    .dropped = sv_dropped,
    .busy = sv_busy,
};

/* The client went away: cancel the request, or let it finish unheard. */
static void
sv_cancel(struct xmlrpc_call *c)
{
	struct sv_req *s = c->state;

	s->c = NULL;
	if (s->rq.live && s->rq.cancel != NULL) {
		s->rq.cancel(&s->rq);
		sv_free(s);
	}
	/* else it completes later, and sv_complete frees it */
}

struct sv_req *
sv_new(struct xmlrpc_call *c, sv_finish_fn *finish)
{
	struct sv_req *s;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		xr_fault(c, XR_FAILED, "out of memory");
		return NULL;
	}
	s->c = c;
	s->finish = finish;
	s->wait = true;
	return s;
}

/* Run request TYPE on ARGV (NULL-terminated) with options OPTS (key,
 * value pairs, NULL-terminated) for S; S is freed when it is over. */
void
sv_run(struct sv_req *s, uint16_t type, const char **argv,
    const char **opts)
{
	struct xmlrpc_call *c = s->c;

	s->rq.ops = &sv_ops;
	s->rq.sink = s;
	s->rq.type = type;
	s->rq.argv = argv;
	for (s->rq.argc = 0; argv[s->rq.argc] != NULL; s->rq.argc++)
		;
	s->rq.opts = opts;
	s->rq.nopts = 0;
	while (opts != NULL && opts[2 * s->rq.nopts] != NULL)
		s->rq.nopts++;
	s->rq.pid = xmlrpc_peer_pid(c);
	s->rq.uid = xmlrpc_peer_uid(c);
	c->state = s;
	c->cancel = sv_cancel;
	if (req_dispatch(&s->rq) == -1) {
		c->state = NULL;
		c->cancel = NULL;
		sv_free(s);
		xr_fault(c, XR_FAILED, "tendd has no such request");
	}
}

/* A request whose arguments do not come from the call: ARGV (NULL: none)
 * and OPTS fixed by the method; FINISH answers from its records. */
void
sv_call(struct xmlrpc_call *c, sv_finish_fn *finish, uint16_t type,
    const char **argv, const char **opts)
{
	static const char *none[] = {NULL};
	struct sv_req *s;

	if ((s = sv_new(c, finish)) != NULL)
		sv_run(s, type, argv != NULL ? argv : none, opts);
}

/* --- reading what came back ------------------------------------------ */

const char *
sv_get(const struct sv_rec *r, const char *key)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->kv[2 * i], key) == 0)
			return r->kv[2 * i + 1];
	return NULL;
}

long long
sv_getll(const struct sv_rec *r, const char *key)
{
	const char *v = sv_get(r, key);

	return v != NULL ? strtoll(v, NULL, 10) : 0;
}

/* supervisord's fault for a request's per-process fault F. */
static int
sv_fault_of(int f)
{
	switch (f) {
	case PROTO_F_OK:
		return XR_SUCCESS;
	case PROTO_F_NO_SUCH_PROCESS:
		return XR_BAD_NAME;
	case PROTO_F_ALREADY_STARTED:
		return XR_ALREADY_STARTED;
	case PROTO_F_NOT_RUNNING:
		return XR_NOT_RUNNING;
	case PROTO_F_SPAWN_ERROR:
		return XR_SPAWN_ERROR;
	case PROTO_F_ABNORMAL_TERMINATION:
		return XR_ABNORMAL_TERMINATION;
	case PROTO_F_BAD_SIGNAL:
		return XR_BAD_SIGNAL;
	case PROTO_F_SHUTTING_DOWN:
		return XR_SHUTDOWN_STATE;
	default:
		return XR_FAILED;
	}
}

/* The per-process fault of result record R, as supervisord's code; a
 * start that did not wait counts its time-out as success. */
static int
sv_result_fault(const struct sv_req *s, const struct sv_rec *r)
{
	int f = (int)sv_getll(r, "fault");

	if (f == PROTO_F_TIMED_OUT && !s->wait)
		return XR_SUCCESS;
	return sv_fault_of(f);
}

/* A request failed as a whole (its error text): the fault that fits. */
void
sv_fail(struct sv_req *s)
{
	static const struct {
		const char *prefix;
		int code;
	} known[] = {
	    {"BAD_NAME", XR_BAD_NAME},
	    {"NO_FILE", XR_NO_FILE},
	    {"NOT_RUNNING", XR_NOT_RUNNING},
	    {"BAD_ARGUMENTS", XR_BAD_ARGUMENTS},
	    {"FAILED", XR_FAILED},
	};
	const char *e = s->err != NULL ? s->err : "failed";
	size_t i, n;

	for (i = 0; i < TEND_NELEM(known); i++) {
		n = strlen(known[i].prefix);
		if (strncmp(e, known[i].prefix, n) == 0 &&
		    (e[n] == '\0' || e[n] == ':')) {
			if (e[n] == '\0')
				xr_fault(s->c, known[i].code, NULL);
			else
				xr_fault(s->c, known[i].code, "%s", e + n + 2);
			return;
		}
	}
	if (strstr(e, "shutting down") != NULL)
		xr_fault(s->c, XR_SHUTDOWN_STATE, NULL);
	else
		xr_fault(s->c, XR_FAILED, "%s", e);
}

/* "G:P" -> G and P; "P" -> P and P (an ungrouped program). */
void
sv_split(const char *fullname, char *group, size_t glen, const char **name)
{
	const char *colon = strchr(fullname, ':');

	if (colon == NULL) {
		(void)snprintf(group, glen, "%s", fullname);
		*name = fullname;
	} else {
		(void)snprintf(group, glen, "%.*s", (int)(colon - fullname),
		    fullname);
		*name = colon + 1;
	}
}

/* --- tendd ------------------------------------------------------------ */

void
sv_state(struct xmlrpc_call *c, xmlrpc_env *env, xmlrpc_value *p)
{
	bool down = req_env.shutting_down;

	xr_return(c, env,
	    xmlrpc_build_value(env, "{s:i,s:s}", "statecode", down ? -1 : 1,
	        "statename", down ? "SHUTDOWN" : "RUNNING"));
}

void
sv_fin_true(struct sv_req *s, xmlrpc_env *env)
{
	if (s->err != NULL)
		sv_fail(s);
	else
		xr_return(s->c, env, xmlrpc_bool_new(env, 1));
}

void
sv_shutdown(struct xmlrpc_call *c, xmlrpc_env *env, xmlrpc_value *p)
{
	sv_call(c, sv_fin_true, PROTO_REQ_SHUTDOWN, NULL, NULL);
}

static void
sv_fin_restart(struct sv_req *s, xmlrpc_env *env)
{
	if (s->err != NULL)
		xr_fault(s->c, XR_CANT_REREAD, "%s", s->err);
	else
		xr_return(s->c, env, xmlrpc_bool_new(env, 1));
}

void
sv_restart(struct xmlrpc_call *c, xmlrpc_env *env, xmlrpc_value *p)
{
	static const char *argv[] = {"", NULL};

	sv_call(c, sv_fin_restart, PROTO_REQ_RELOAD, argv, NULL);
}

void
sv_send_comm_event(struct xmlrpc_call *c, xmlrpc_env *env, xmlrpc_value *p)
{
	char *type = NULL, *data = NULL;

	/* REMOTE_COMMUNICATION for the listeners that want it (evbus.c);
	 * supervisord answers True whether anyone listens or not. */
	if (xr_arg_str(c, env, p, 0, &type) &&
	    xr_arg_str(c, env, p, 1, &data)) {
		evbus_remote(type, data);
		xr_return(c, env, xmlrpc_bool_new(env, 1));
	}
	free(type);
	free(data);
}

/* --- process info ------------------------------------------------------- */

static int
sv_statecode(const char *name)
{
	static const struct {
		const char *name;
		int code;
	} codes[] = {{"STOPPED", 0}, {"STARTING", 10}, {"RUNNING", 20},
	    {"BACKOFF", 30}, {"STOPPING", 40}, {"EXITED", 100}, {"FATAL", 200},
	    {"UNKNOWN", 1000}};
	size_t i;

	for (i = 0; name != NULL && i < TEND_NELEM(codes); i++)
		if (strcmp(codes[i].name, name) == 0)
			return codes[i].code;
	return 1000;
}

/* getProcessInfo's struct from a full STATUS record. */
static xmlrpc_value *
sv_info(xmlrpc_env *env, const struct sv_rec *r)
{
	const char *st = sv_get(r, "state"), *out = sv_get(r, "stdout_logfile");
	const char *err = sv_get(r, "stderr_logfile"), *x;
	int exitstatus = 0;

	if (sv_getll(r, "exit") != 0)
		exitstatus = sv_getll(r, "exit_signal") != 0
		                 ? -1
		                 : (int)sv_getll(r, "exit_code");
	x = sv_get(r, "spawnerr");
	return xmlrpc_build_value(env,
	    "{s:s,s:s,s:s,s:i,s:i,s:i,s:i,s:s,s:s,s:i,s:s,s:s,s:s,s:i}", "name",
	    sv_get(r, "name") ? sv_get(r, "name") : "", "group",
	    sv_get(r, "group") ? sv_get(r, "group") : "", "description",
	    sv_get(r, "description") ? sv_get(r, "description") : "", "start",
	    (int)sv_getll(r, "start"), "stop", (int)sv_getll(r, "stop"), "now",
	    (int)sv_getll(r, "now"), "state", sv_statecode(st), "statename",
	    st ? st : "UNKNOWN", "spawnerr", x ? x : "", "exitstatus",
	    exitstatus, "logfile", out ? out : "", "stdout_logfile",
	    out ? out : "", "stderr_logfile", err ? err : "", "pid",
	    (int)sv_getll(r, "pid"));
}

/* The single-process form of NAME for a request: "P" means process P of
 * group P, so it goes as "P:P"; NULL: NAME names a group (BAD_NAME). */
char *
sv_single(const char *name)
{
	size_t n = strlen(name);
	char *s;

	if (n == 0 || name[n - 1] == ':' ||
	    (n > 1 && strcmp(name + n - 2, ":*") == 0))
		return NULL;
	if (strchr(name, ':') != NULL)
		return strdup(name);
	if ((s = malloc(2 * n + 2)) != NULL)
		(void)snprintf(s, 2 * n + 2, "%s:%s", name, name);
	return s;
}

static void
sv_fin_info(struct sv_req *s, xmlrpc_env *env)
{
	if (s->err != NULL) {
		sv_fail(s);
		return;
	}
	if (s->nrecs != 1 || sv_get(&s->recs[0], "fault") != NULL) {
		xr_fault(s->c, XR_BAD_NAME, "%s", s->name);
		return;
	}
	xr_return(s->c, env, sv_info(env, &s->recs[0]));
}

void
sv_process_info(struct xmlrpc_call *c, xmlrpc_env *env, xmlrpc_value *p)
{
	static const char *opts[] = {"full", "1", NULL};
	const char *argv[2] = {NULL, NULL};
	struct sv_req *s;
	char *one;

	if ((s = sv_new(c, sv_fin_info)) == NULL)
		return;
	if (!xr_arg_str(c, env, p, 0, &s->name)) {
		sv_free(s);
		return;
	}
	if ((one = sv_single(s->name)) == NULL) {
		xr_fault(c, XR_BAD_NAME, "%s", s->name);
		sv_free(s);
		return;
	}
	argv[0] = one;
	sv_run(s, PROTO_REQ_STATUS, argv, opts);
	free(one);
}

static const struct sv_rec *sv_sort_recs;

static int
sv_cmp_info(const void *a, const void *b)
{
	const struct sv_rec *x = &sv_sort_recs[*(const size_t *)a];
	const struct sv_rec *y = &sv_sort_recs[*(const size_t *)b];
	const char *gx = sv_get(x, "group"), *gy = sv_get(y, "group");
	const char *nx = sv_get(x, "name"), *ny = sv_get(y, "name");
	int d = strcmp(gx ? gx : "", gy ? gy : "");

	return d != 0 ? d : strcmp(nx ? nx : "", ny ? ny : "");
}

static void
sv_fin_all_info(struct sv_req *s, xmlrpc_env *env)
{
	xmlrpc_value *a, *v;
	size_t *order, i;

	if (s->err != NULL) {
		sv_fail(s);
		return;
	}
	if ((order = calloc(s->nrecs + 1, sizeof(*order))) == NULL) {
		xr_fault(s->c, XR_FAILED, "out of memory");
		return;
	}
	/* supervisord's order: by group, then by name. */
	for (i = 0; i < s->nrecs; i++)
		order[i] = i;
	sv_sort_recs = s->recs;
	qsort(order, s->nrecs, sizeof(*order), sv_cmp_info);
	a = xmlrpc_array_new(env);
	for (i = 0; i < s->nrecs && !env->fault_occurred; i++) {
		if (sv_get(&s->recs[order[i]], "fault") != NULL)
			continue;
		if ((v = sv_info(env, &s->recs[order[i]])) == NULL)
			break;
		xmlrpc_array_append_item(env, a, v);
		xmlrpc_DECREF(v);
	}
	free(order);
	xr_return(s->c, env, a);
}

void
sv_all_process_info(struct xmlrpc_call *c, xmlrpc_env *env, xmlrpc_value *p)
{
	static const char *opts[] = {"full", "1", NULL};

	sv_call(c, sv_fin_all_info, PROTO_REQ_STATUS, NULL, opts);
}

/* --- start, stop, signal, clear ----------------------------------------- */

/* The name to show in a fault about result R: supervisord's namespec. */
void
sv_fault_result(struct sv_req *s, const struct sv_rec *r, int code)
{
	const char *d = sv_get(r, "detail");

	if (code == XR_FAILED && d != NULL)
		xr_fault(s->c, code, "%s", d);
	else if (code == XR_BAD_SIGNAL && s->rq.type == PROTO_REQ_SIGNAL)
		xr_fault(s->c, code, "%s", s->name);
	else
		xr_fault(s->c, code, "%s", s->name);
}

/* One entry of a group's answer: {name, group, status, description}. */
static xmlrpc_value *
sv_group_entry(struct sv_req *s, xmlrpc_env *env, const struct sv_rec *r)
{
	const char *full = sv_get(r, "name"), *pname, *d;
	char group[256], desc[400];
	int code = sv_result_fault(s, r);

	sv_split(full != NULL ? full : "", group, sizeof(group), &pname);
	if (code == XR_SUCCESS)
		(void)snprintf(desc, sizeof(desc), "OK");
	else if (code == XR_FAILED && (d = sv_get(r, "detail")) != NULL)
		(void)snprintf(desc, sizeof(desc), "FAILED: %s", d);
	else
		(void)snprintf(desc, sizeof(desc), "%s: %s",
		    xr_fault_name(code), full != NULL ? full : "");
	return xmlrpc_build_value(env, "{s:s,s:s,s:i,s:s}", "name", pname,
	    "group", group, "status", code, "description", desc);
}

static void
sv_fin_results(struct sv_req *s, xmlrpc_env *env)
{
	xmlrpc_value *a, *v;
	size_t i, n = 0;
	int code;

	if (s->err != NULL) {
		sv_fail(s);
		return;
	}
	for (i = 0; i < s->nrecs; i++) {
		if (sv_get(&s->recs[i], "fault") == NULL)
			continue;
		code = sv_result_fault(s, &s->recs[i]);
		if (code == XR_BAD_NAME || (!s->group && code != XR_SUCCESS)) {
			sv_fault_result(s, &s->recs[i], code);
			return;
		}
		n++;
	}
	if (!s->group) {
		/* "P" goes as "P:P", which the request counts as a
		 * pattern: its no-op was left out rather than reported. */
		if (n == 0)
			xr_fault(s->c,
			    s->rq.type == PROTO_REQ_START ? XR_ALREADY_STARTED
			                                   : XR_NOT_RUNNING,
			    "%s", s->name);
		else
			xr_return(s->c, env, xmlrpc_bool_new(env, 1));
		return;
	}
	a = xmlrpc_array_new(env);
	for (i = 0; i < s->nrecs && !env->fault_occurred; i++) {
		if (sv_get(&s->recs[i], "fault") == NULL)
			continue;
		if ((v = sv_group_entry(s, env, &s->recs[i])) == NULL)
			break;
		xmlrpc_array_append_item(env, a, v);
		xmlrpc_DECREF(v);
	}
	xr_return(s->c, env, a);
}

/* How a start/stop/signal/clear method names its processes. */
enum sv_form { SV_ONE, SV_GROUP, SV_ALL };

/* The request pattern for NAME in FORM ("all", "G:*", "P:P"); sets
 * S->group.  NULL: out of memory. */
static char *
sv_pattern(struct sv_req *s, enum sv_form form)
{
	char *pat;
	size_t n;

	if (form == SV_ALL) {
		s->group = true;
		return strdup("all");
	}
	if (form == SV_ONE && (pat = sv_single(s->name)) != NULL)
		return pat;
	/* startProcess("G:*") answers as startProcessGroup("G") does. */
	s->group = true;
	n = strlen(s->name);
	if (form == SV_ONE)
		return strdup(s->name);
	if ((pat = malloc(n + 3)) != NULL)
		(void)snprintf(pat, n + 3, "%s:*", s->name);
	return pat;
}

/* Parse the parameters of a start/stop/signal/clear method in FORM and
 * run TYPE: [name,] [signal,] [wait]. */
static void
sv_act(struct xmlrpc_call *c, xmlrpc_env *env, xmlrpc_value *p,
    uint16_t type, enum sv_form form)
{
	static const char *nowait[] = {"timeout", "0.001", NULL};
	const char *argv[3] = {NULL, NULL, NULL};
	char *sig = NULL, *pat = NULL;
	struct sv_req *s;
	int i = 0;

	if ((s = sv_new(c, sv_fin_results)) == NULL)
		return;
	if ((form != SV_ALL && !xr_arg_str(c, env, p, i++, &s->name)) ||
	    (type == PROTO_REQ_SIGNAL && !xr_arg_str(c, env, p, i++, &sig)) ||
	    ((type == PROTO_REQ_START || type == PROTO_REQ_STOP) &&
	        !xr_arg_bool(c, env, p, i, &s->wait)))
		goto out;
	if (s->name == NULL && (s->name = strdup("all")) == NULL)
		goto oom;
	if ((pat = sv_pattern(s, form)) == NULL)
		goto oom;
	if (sig != NULL) {
		argv[0] = sig;
		argv[1] = pat;
	} else
		argv[0] = pat;
	sv_run(s, type, argv, s->wait ? NULL : nowait);
	s = NULL;
	goto out;
oom:
	xr_fault(c, XR_FAILED, "out of memory");
out:
	if (s != NULL)
		sv_free(s);
	free(sig);
	free(pat);
}

void
sv_start(struct xmlrpc_call *c, xmlrpc_env *env, xmlrpc_value *p)
{
	sv_act(c, env, p, PROTO_REQ_START, SV_ONE);
}

void
sv_start_group(struct xmlrpc_call *c, xmlrpc_env *env, xmlrpc_value *p)
{
	sv_act(c, env, p, PROTO_REQ_START, SV_GROUP);
}

void
sv_start_all(struct xmlrpc_call *c, xmlrpc_env *env, xmlrpc_value *p)
{
	sv_act(c, env, p, PROTO_REQ_START, SV_ALL);
}

void
sv_stop(struct xmlrpc_call *c, xmlrpc_env *env, xmlrpc_value *p)
{
	sv_act(c, env, p, PROTO_REQ_STOP, SV_ONE);
}

void
sv_stop_group(struct xmlrpc_call *c, xmlrpc_env *env, xmlrpc_value *p)
{
	sv_act(c, env, p, PROTO_REQ_STOP, SV_GROUP);
}

void
sv_stop_all(struct xmlrpc_call *c, xmlrpc_env *env, xmlrpc_value *p)
{
	sv_act(c, env, p, PROTO_REQ_STOP, SV_ALL);
}

void
sv_signal(struct xmlrpc_call *c, xmlrpc_env *env, xmlrpc_value *p)
{
	sv_act(c, env, p, PROTO_REQ_SIGNAL, SV_ONE);
}

void
sv_signal_group(struct xmlrpc_call *c, xmlrpc_env *env, xmlrpc_value *p)
{
	sv_act(c, env, p, PROTO_REQ_SIGNAL, SV_GROUP);
}

void
sv_signal_all(struct xmlrpc_call *c, xmlrpc_env *env, xmlrpc_value *p)
{
	sv_act(c, env, p, PROTO_REQ_SIGNAL, SV_ALL);
}

void
sv_clear_process_logs(struct xmlrpc_call *c, xmlrpc_env *env, xmlrpc_value *p)
{
	sv_act(c, env, p, PROTO_REQ_CLEAR, SV_ONE);
}

void
sv_clear_all_logs(struct xmlrpc_call *c, xmlrpc_env *env, xmlrpc_value *p)
{
	sv_act(c, env, p, PROTO_REQ_CLEAR, SV_ALL);
}

