/*
 * xmlrpc_cf.c: supervisord's log, config and group methods on tend's
 * request API (the rest of supervisor.*: xmlrpc_sv.c, whose reply sink
 * and helpers these share): readLog, read/tailProcessStdoutLog,
 * clearLog, reloadConfig, add/removeProcessGroup, getAllConfigInfo,
 * sendProcessStdin.
 *
 * reloadConfig answers in groups, as supervisord diffs them: REREAD says
 * which processes would be added, changed or removed, and a STATUS of the
 * running set tells a new group from a group that grows (changed), and a
 * group that goes from one that shrinks (changed).
 */
#include "xmlrpc_impl.h"
#include "proto.h"
#include "req.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A string value for text from a log or a process: invalid UTF-8 and
 * control characters XML 1.0 cannot carry become '?', so that the
 * client can always parse the reply. */
static xmlrpc_value *
sv_string(xmlrpc_env *env, const char *s, size_t len)
{
	xmlrpc_value *v;
	char *copy;
	size_t i;

	xmlrpc_env tmp;

	xmlrpc_env_init(&tmp);
	v = NULL;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 && s[i] != '\t' &&
		    s[i] != '\n' && s[i] != '\r')
			break;
	if (i == len)
		v = xmlrpc_string_new_lp(&tmp, len, s);
	if (v != NULL && !tmp.fault_occurred) {
		xmlrpc_env_clean(&tmp);
		return v;
	}
	xmlrpc_env_clean(&tmp);
	if ((copy = malloc(len + 1)) == NULL) {
		xmlrpc_faultf(env, "out of memory");
		return NULL;
	}
	/* Keep ASCII text and well-formed multi-byte sequences. */
	for (i = 0; i < len;) {
		unsigned char b = (unsigned char)s[i];
		size_t k, n = b < 0x80 ? 1 : (b & 0xe0) == 0xc0 ? 2
		                      : (b & 0xf0) == 0xe0   ? 3
		                      : (b & 0xf8) == 0xf0   ? 4
		                                             : 0;

		for (k = 1; n > 1 && k < n; k++)
			if (i + k >= len || ((unsigned char)s[i + k] & 0xc0) != 0x80)
				n = 0;
		if (n == 0 || (n == 1 && b < 0x20 && b != '\t' && b != '\n' &&
		                  b != '\r')) {
			copy[i++] = '?';
			continue;
		}
		memcpy(copy + i, s + i, n);
		i += n;
	}
	v = xmlrpc_string_new_lp(env, len, copy);
	free(copy);
	return v;
}

/* --- logs ------------------------------------------------------------ */

static void
sv_fin_read(struct sv_req *s, xmlrpc_env *env)
{
	xmlrpc_value *data;
	long long offset = s->offset;
	bool overflow = false;
	size_t i;

	if (s->err != NULL && !s->tail) {
		sv_fail(s);
		return;
	}
	if (s->err != NULL && strncmp(s->err, "BAD_NAME", 8) == 0) {
		sv_fail(s);
		return;
	}
	data = sv_string(env, s->data != NULL ? s->data : "", s->dlen);
	if (!s->tail || data == NULL) {
		xr_return(s->c, env, data);
		return;
	}
	for (i = 0; i < s->nrecs; i++)
		if (sv_get(&s->recs[i], "offset") != NULL) {
			offset = sv_getll(&s->recs[i], "offset");
			overflow = sv_getll(&s->recs[i], "overflow") != 0;
		}
	xr_return(s->c, env,
	    xmlrpc_build_value(env, "(Vib)", data, (int)offset, overflow));
	xmlrpc_DECREF(data);
}

/* READLOG of NAME's CHANNEL ("" NAME: tendd's own log) in MODE. */
static void
sv_readlog(struct xmlrpc_call *c, xmlrpc_env *env, xmlrpc_value *p,
    bool main, const char *channel, const char *mode)
{
	const char *argv[6];
	char off[24], len[24];
	struct sv_req *s;
	int i = 0, offset = 0, length = 0;

	if ((s = sv_new(c, sv_fin_read)) == NULL)
		return;
	if ((!main && !xr_arg_str(c, env, p, i++, &s->name)) ||
	    !xr_arg_int(c, env, p, i++, &offset) ||
	    !xr_arg_int(c, env, p, i, &length)) {
		sv_free(s);
		return;
	}
	s->tail = strcmp(mode, "tail") == 0;
	s->offset = offset;
	(void)snprintf(off, sizeof(off), "%d", offset);
	(void)snprintf(len, sizeof(len), "%d", length);
	argv[0] = main ? "" : s->name;
	argv[1] = channel;
	argv[2] = mode;
	argv[3] = off;
	argv[4] = len;
	argv[5] = NULL;
	sv_run(s, PROTO_REQ_READLOG, argv, NULL);
}

void
sv_read_log(struct xmlrpc_call *c, xmlrpc_env *env, xmlrpc_value *p)
{
	sv_readlog(c, env, p, true, "stdout", "read");
}

void
sv_read_stdout(struct xmlrpc_call *c, xmlrpc_env *env, xmlrpc_value *p)
{
	sv_readlog(c, env, p, false, "stdout", "read");
}

void
sv_read_stderr(struct xmlrpc_call *c, xmlrpc_env *env, xmlrpc_value *p)
{
	sv_readlog(c, env, p, false, "stderr", "read");
}

void
sv_tail_stdout(struct xmlrpc_call *c, xmlrpc_env *env, xmlrpc_value *p)
{
	sv_readlog(c, env, p, false, "stdout", "tail");
}

void
sv_tail_stderr(struct xmlrpc_call *c, xmlrpc_env *env, xmlrpc_value *p)
{
	sv_readlog(c, env, p, false, "stderr", "tail");
}

void
sv_clear_log(struct xmlrpc_call *c, xmlrpc_env *env, xmlrpc_value *p)
{
	static const char *argv[] = {"", "stdout", "clear", "0", "0", NULL};

	sv_call(c, sv_fin_true, PROTO_REQ_READLOG, argv, NULL);
}

/* --- the config -------------------------------------------------------- */

/* Add GROUP to the array A unless it is there. */
static void
sv_add_unique(xmlrpc_env *env, xmlrpc_value *a, const char *group)
{
	xmlrpc_value *v;
	const char *s;
	int i, n = xmlrpc_array_size(env, a);

	for (i = 0; i < n && !env->fault_occurred; i++) {
		xmlrpc_array_read_item(env, a, i, &v);
		if (env->fault_occurred)
			return;
		xmlrpc_read_string(env, v, &s);
		xmlrpc_DECREF(v);
		if (env->fault_occurred)
			return;
		n = strcmp(s, group) == 0 ? -1 : n;
		free((char *)s);
	}
	if (n < 0 || env->fault_occurred)
		return;
	v = xmlrpc_string_new(env, group);
	if (!env->fault_occurred) {
		xmlrpc_array_append_item(env, a, v);
		xmlrpc_DECREF(v);
	}
}

/* REREAD's results per process, as group names: ADDED gets the groups
 * with new processes, CHANGED those with changed ones, REMOVED those
 * with disappearing ones. */
static void
sv_reread_groups(xmlrpc_env *env, const struct sv_req *rr,
    xmlrpc_value *lists[3])
{
	static const char *words[] = {"available", "changed", "disappeared"};
	const char *res, *pname;
	char group[256];
	size_t i, k;

	for (i = 0; i < rr->nrecs && !env->fault_occurred; i++) {
		if ((res = sv_get(&rr->recs[i], "result")) == NULL ||
		    sv_get(&rr->recs[i], "name") == NULL)
			continue;
		sv_split(sv_get(&rr->recs[i], "name"), group, sizeof(group),
		    &pname);
		for (k = 0; k < 3; k++)
			if (strcmp(res, words[k]) == 0)
				sv_add_unique(env, lists[k], group);
	}
}

/* How many of the running set's processes (STATUS records in S) are in
 * GROUP, and how many of those REREAD says disappear. */
static void
sv_group_counts(const struct sv_req *s, const struct sv_req *rr,
    const char *group, size_t *have, size_t *going)
{
	const char *full, *pname, *res;
	char g[256];
	size_t i;

	*have = *going = 0;
	for (i = 0; i < s->nrecs; i++)
		if ((full = sv_get(&s->recs[i], "fullname")) != NULL) {
			sv_split(full, g, sizeof(g), &pname);
			*have += strcmp(g, group) == 0;
		}
	for (i = 0; i < rr->nrecs; i++)
		if ((full = sv_get(&rr->recs[i], "name")) != NULL &&
		    (res = sv_get(&rr->recs[i], "result")) != NULL &&
		    strcmp(res, "disappeared") == 0) {
			sv_split(full, g, sizeof(g), &pname);
			*going += strcmp(g, group) == 0;
		}
}

/* Move the groups of FROM that stay in part (they exist and keep
 * processes) to CHANGED: supervisord diffs whole groups. */
static xmlrpc_value *
sv_reread_move(xmlrpc_env *env, const struct sv_req *s,
    const struct sv_req *rr, xmlrpc_value *from, xmlrpc_value *changed,
    bool added)
{
	xmlrpc_value *keep, *v;
	const char *g;
	size_t have, going;
	int i, n = xmlrpc_array_size(env, from);

	keep = xmlrpc_array_new(env);
	for (i = 0; i < n && !env->fault_occurred; i++) {
		xmlrpc_array_read_item(env, from, i, &v);
		if (env->fault_occurred)
			break;
		xmlrpc_read_string(env, v, &g);
		xmlrpc_DECREF(v);
		if (env->fault_occurred)
			break;
		sv_group_counts(s, rr, g, &have, &going);
		if (added ? have > 0 : have > going)
			sv_add_unique(env, changed, g);
		else
			sv_add_unique(env, keep, g);
		free((char *)g);
	}
	return keep;
}

/* STATUS after REREAD: which groups exist now, to answer in
 * supervisord's terms. */
static void
sv_fin_reread_status(struct sv_req *s, xmlrpc_env *env)
{
	struct sv_req *rr = s->prev;
	xmlrpc_value *lists[3], *added, *removed, *v;
	size_t k;

	if (s->err != NULL) {
		sv_fail(s);
		return;
	}
	for (k = 0; k < 3; k++)
		lists[k] = xmlrpc_array_new(env);
	sv_reread_groups(env, rr, lists);
	added = sv_reread_move(env, s, rr, lists[0], lists[1], true);
	removed = sv_reread_move(env, s, rr, lists[2], lists[1], false);
	v = xmlrpc_build_value(env, "((VVV))", added, lists[1], removed);
	for (k = 0; k < 3; k++)
		if (lists[k] != NULL)
			xmlrpc_DECREF(lists[k]);
	if (added != NULL)
		xmlrpc_DECREF(added);
	if (removed != NULL)
		xmlrpc_DECREF(removed);
	xr_return(s->c, env, v);
}

static void
sv_fin_reread(struct sv_req *s, xmlrpc_env *env)
{
	static const char *argv[] = {NULL};
	struct sv_req *st;
	size_t i;

	if (s->err != NULL) {
		/* supervisord's text: the reason the config was refused. */
		for (i = 0; i < s->nrecs; i++)
			if (sv_get(&s->recs[i], "error") != NULL) {
				xr_fault(s->c, XR_CANT_REREAD, "%s",
				    sv_get(&s->recs[i], "error"));
				return;
			}
		xr_fault(s->c, XR_CANT_REREAD, "%s", s->err);
		return;
	}
	if ((st = sv_new(s->c, sv_fin_reread_status)) == NULL)
		return;
	/* S is freed after this returns: ST takes its records. */
	if ((st->prev = calloc(1, sizeof(*st->prev))) == NULL) {
		sv_free(st);
		xr_fault(s->c, XR_FAILED, "out of memory");
		return;
	}
	st->prev->recs = s->recs;
	st->prev->nrecs = s->nrecs;
	s->recs = NULL;
	s->nrecs = 0;
	sv_run(st, PROTO_REQ_STATUS, argv, NULL);
}

void
sv_reload_config(struct xmlrpc_call *c, xmlrpc_env *env, xmlrpc_value *p)
{
	sv_call(c, sv_fin_reread, PROTO_REQ_REREAD, NULL, NULL);
}

/* add/removeProcessGroup: True when something was done.  ADD reports
 * the processes it did not add (already there) as refused. */
static void
sv_fin_group(struct sv_req *s, xmlrpc_env *env)
{
	bool add = s->rq.type == PROTO_REQ_ADD, done = false;
	bool unknown = false, refused = false;
	size_t i;
	int f;

	if (s->err != NULL) {
		sv_fail(s);
		return;
	}
	for (i = 0; i < s->nrecs; i++) {
		if (sv_get(&s->recs[i], "fault") == NULL)
			continue;
		f = (int)sv_getll(&s->recs[i], "fault");
		unknown |= f == PROTO_F_NO_SUCH_PROCESS;
		refused |= f != PROTO_F_OK && f != PROTO_F_NO_SUCH_PROCESS;
		done |= f == PROTO_F_OK;
	}
	if (unknown)
		xr_fault(s->c, XR_BAD_NAME, "%s", s->name);
	else if (!add && refused)
		/* its processes are not all stopped */
		xr_fault(s->c, XR_STILL_RUNNING, "%s", s->name);
	else if (done)
		xr_return(s->c, env, xmlrpc_bool_new(env, 1));
	else
		xr_fault(s->c, add ? XR_ALREADY_ADDED : XR_BAD_NAME, "%s",
		    s->name);
}

static void
sv_group_req(struct xmlrpc_call *c, xmlrpc_env *env, xmlrpc_value *p,
    uint16_t type)
{
	const char *argv[2] = {NULL, NULL};
	struct sv_req *s;

	if ((s = sv_new(c, sv_fin_group)) == NULL)
		return;
	if (!xr_arg_str(c, env, p, 0, &s->name)) {
		sv_free(s);
		return;
	}
	argv[0] = s->name;
	sv_run(s, type, argv, NULL);
}

void
sv_add_group(struct xmlrpc_call *c, xmlrpc_env *env, xmlrpc_value *p)
{
	sv_group_req(c, env, p, PROTO_REQ_ADD);
}

void
sv_remove_group(struct xmlrpc_call *c, xmlrpc_env *env, xmlrpc_value *p)
{
	sv_group_req(c, env, p, PROTO_REQ_REMOVE);
}

/* --- getAllConfigInfo --------------------------------------------------- */

/* An AVAIL full=1 value under supervisord's key and type. */
static xmlrpc_value *
sv_config_value(xmlrpc_env *env, const char *key, const char *v)
{
	static const char *bools[] = {"autostart", "inuse", "killasgroup",
	    "redirect_stderr", "stdout_syslog", "stderr_syslog",
	    "stdout_events_enabled", "stderr_events_enabled", NULL};
	static const char *strs[] = {"command", "directory", "group",
	    "serverurl", "stdout_logfile", "stderr_logfile", NULL};
	xmlrpc_value *a, *n;
	const char *s;
	size_t i;

	for (i = 0; bools[i] != NULL; i++)
		if (strcmp(key, bools[i]) == 0)
			return xmlrpc_bool_new(env, strcmp(v, "1") == 0);
	for (i = 0; strs[i] != NULL; i++)
		if (strcmp(key, strs[i]) == 0)
			return xmlrpc_string_new(env, v);
	if (strcmp(key, "uid") == 0 && strcmp(v, "none") == 0)
		return xmlrpc_string_new(env, v);
	if (strcmp(key, "exitcodes") != 0)
		return xmlrpc_int_new(env, (int)strtol(v, NULL, 10));
	a = xmlrpc_array_new(env);
	for (s = v; *s != '\0' && !env->fault_occurred;
	     s += strcspn(s, ",") + (s[strcspn(s, ",")] == ',')) {
		n = xmlrpc_int_new(env, (int)strtol(s, NULL, 10));
		if (env->fault_occurred)
			break;
		xmlrpc_array_append_item(env, a, n);
		xmlrpc_DECREF(n);
	}
	return a;
}

static xmlrpc_value *
sv_config_struct(xmlrpc_env *env, const struct sv_rec *r)
{
	static const struct {
		const char *ours, *theirs;
	} renamed[] = {{"priority", "process_prio"},
	    {"group_priority", "group_prio"}};
	const char *key, *pname;
	char group[256];
	xmlrpc_value *st, *v;
	size_t i, k;

	st = xmlrpc_struct_new(env);
	for (i = 0; i < r->n && !env->fault_occurred; i++) {
		key = r->kv[2 * i];
		for (k = 0; k < TEND_NELEM(renamed); k++)
			if (strcmp(key, renamed[k].ours) == 0)
				key = renamed[k].theirs;
		if (strcmp(key, "name") == 0) {
			/* supervisord's name is the process's own */
			sv_split(r->kv[2 * i + 1], group, sizeof(group), &pname);
			v = xmlrpc_string_new(env, pname);
		} else
			v = sv_config_value(env, key, r->kv[2 * i + 1]);
		if (env->fault_occurred)
			break;
		xmlrpc_struct_set_value(env, st, key, v);
		xmlrpc_DECREF(v);
	}
	return st;
}

static void
sv_fin_config(struct sv_req *s, xmlrpc_env *env)
{
	xmlrpc_value *a, *v;
	size_t i;

	if (s->err != NULL) {
		sv_fail(s);
		return;
	}
	a = xmlrpc_array_new(env);
	for (i = 0; i < s->nrecs && !env->fault_occurred; i++) {
		if ((v = sv_config_struct(env, &s->recs[i])) == NULL)
			break;
		xmlrpc_array_append_item(env, a, v);
		xmlrpc_DECREF(v);
	}
	xr_return(s->c, env, a);
}

void
sv_all_config_info(struct xmlrpc_call *c, xmlrpc_env *env, xmlrpc_value *p)
{
	static const char *opts[] = {"full", "1", NULL};

	sv_call(c, sv_fin_config, PROTO_REQ_AVAIL, NULL, opts);
}

/* --- stdin ------------------------------------------------------------ */

/* The STDIN request's faults are supervisord's (BAD_NAME, NOT_RUNNING,
 * NO_FILE: feed.c). */
static void
sv_fin_stdin(struct sv_req *s, xmlrpc_env *env)
{
	static const struct {
		const char *prefix;
		int code;
	} byname[] = {
	    {"BAD_NAME: ", XR_BAD_NAME},
	    {"NOT_RUNNING: ", XR_NOT_RUNNING},
	    {"NO_FILE: ", XR_NO_FILE},
	};
	size_t i;

	if (s->err == NULL) {
		xr_return(s->c, env, xmlrpc_bool_new(env, 1));
		return;
	}
	/* supervisord names the process as the caller wrote it. */
	for (i = 0; i < TEND_NELEM(byname); i++)
		if (strncmp(s->err, byname[i].prefix,
		        strlen(byname[i].prefix)) == 0) {
			xr_fault(s->c, byname[i].code, "%s", s->name);
			return;
		}
	sv_fail(s);
}

void
sv_send_stdin(struct xmlrpc_call *c, xmlrpc_env *env, xmlrpc_value *p)
{
	const char *argv[3] = {NULL, NULL, NULL};
	struct sv_req *s;
	char *chars = NULL, *one;

	if ((s = sv_new(c, sv_fin_stdin)) == NULL)
		return;
	/* supervisord checks the data's type first. */
	if (!xr_arg_str(c, env, p, 1, &chars) ||
	    !xr_arg_str(c, env, p, 0, &s->name)) {
		free(chars);
		sv_free(s);
		return;
	}
	if ((one = sv_single(s->name)) == NULL) {
		xr_fault(c, XR_BAD_NAME, "%s", s->name);
		free(chars);
		sv_free(s);
		return;
	}
	argv[0] = one;
	argv[1] = chars;
	sv_run(s, PROTO_REQ_STDIN, argv, NULL);
	free(one);
	free(chars);
}
