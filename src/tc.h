/*
 * tc.h: what tendctl's files share: its settings, the verb table's row,
 * records as they came from tendd, the reply loop and the JSON writer.
 * One file per concern: tendctl.c (main, the verb table), tcopt.c (the
 * option parser, from each row's spec), tcreply.c
 * (talking to tendd, records, JSON), tcstatus.c, tcaction.c, tcstream.c
 * (the verbs), tcshell.c (the interactive shell).
 */
#ifndef TEND_TC_H
#define TEND_TC_H

#include "ctlclient.h"
#include "proto.h"

#include <stdio.h>

enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
	EXIT_NOTRUNNING = 3,
	EXIT_UNREACHABLE = 4,
};

#define TC_JSON 0x1  /* the verb accepts --json */
#define TC_SHELL 0x4 /* only in the interactive shell */

struct tc;

struct verb {
	const char *name;
	const char *args; /* the positional words, for help and usage */
	int (*fn)(struct tc *t, const struct verb *v, int argc, char **argv);
	const char *help;
	int min, max; /* positional words; max -1: any */
	unsigned flags;
	const char *opts; /* its options (tcopt.c: the spec's syntax) */
	uint16_t type;	  /* its request (req.def's row); 0: tendctl's own */
};

/* A verb's options: the spec, parsed, and what was given. */
#define TC_MAXOPTS 8
struct tc_optdef {
	char sh;	/* -X's letter; '#': -DIGITS; 0: none */
	char lng[24];	/* --LONG without the dashes; "": none */
	char arg[16];	/* its argument's name; "": a flag */
	char first[32]; /* the form the spec names first (usage) */
};
struct tc_opts {
	int n;
	struct tc_optdef d[TC_MAXOPTS];
	const char *val[TC_MAXOPTS]; /* NULL: not given; "": a flag given */
};

/* One invocation's settings. */
struct tc {
	char sock[256];
	bool json;
	bool shell;
	/* the options of the request being made (req.def) */
	const char *const *opts;
	int nopts;
	/* the options given to the verb (tc_opt) */
	const struct tc_opts *vopts;
};

/* tcopt.c: the option parser.  Parse SPEC into O (nothing given); -1 if
 * malformed. */
int tc_optspec(const char *spec, struct tc_opts *o);
/* Take V's options out of ARGV (*ARGC words, ARGV[*ARGC] writable): the
 * positional words are left in order, *ARGC their count; the options'
 * values in O, checked by their argument's name.  -1: a usage error,
 * said in ERR ("VERB: ..."). */
int tc_opts_parse(const struct verb *v, struct tc_opts *o, int *argc,
    char **argv, char *err, size_t errlen);
/* The value of option KEY (its long name, else its letter, else its
 * argument's name: "timeout", "f", "BYTES"): "" for a flag given, NULL
 * when not given. */
const char *tc_opts_get(const struct tc_opts *o, const char *key);
#define tc_opt(t, key) tc_opts_get((t)->vopts, (key))
/* "VERB [-t SECS] NAME...": V's usage, from its spec and words. */
void tc_usage_line(const struct verb *v, char *buf, size_t len);

/* A RECORD copied out of its frame: key/value pairs.  The strings live
 * in BLOB, one copy of the frame's body (two allocations per record, not
 * one per string: status of 1,000 processes stays cheap). */
struct rec {
	char **kv;
	size_t n; /* pairs */
	char *blob;
	size_t bloblen;
};

struct recs {
	struct rec *v;
	size_t n, cap;
};

/* The verb table (tendctl.c), NULL-terminated. */
extern const struct verb tc_verbs[];

#define TC_MAXWORDS 128 /* words of one command line */

typedef int (*tc_record_fn)(struct tc *t, const struct rec *r, void *arg);
/* A RECORD as it came, its cursor at the first key; valid only during
 * the call.  <0: malformed; >0: a failure to count (EXIT_FAIL). */
typedef int (*tc_msg_fn)(struct tc *t, struct proto_msg *m, void *arg);

/* What a verb does with the frames of its reply (tc_request). */
struct tc_reply {
	tc_msg_fn record; /* each RECORD */
	/* each DATA piece; NULL: none expected.  Nonzero: stop, failed. */
	int (*data)(struct tc *t, const unsigned char *p, size_t n, void *arg);
	void *arg;
	double timeout; /* for each frame; CTLC_FOREVER: none */
	bool stream;    /* flush stdout after each frame */
};

/* tcreply.c: helpers, records, JSON, the reply loop */
int tc_request(struct tc *t, const char *verb, uint16_t type, char **argv,
    int argc, const struct tc_reply *h);
void tc_err(const char *fmt, ...) TEND_PRINTF(1, 2);
void *tc_xmalloc(size_t n);
char *tc_xstrdup(const char *s);
const char *rec_get(const struct rec *r, const char *key);
const char *rec_str(const struct rec *r, const char *key);
long long rec_int(const struct rec *r, const char *key);
double rec_num(const struct rec *r, const char *key);
void recs_free(struct recs *rs);
void json_key(const char *key, bool *first);
void json_kstr(const char *key, const char *v, bool *first);
void json_kint(const char *key, long long v, bool *first);
void json_knum(const char *key, double v, bool *first);
/* The pid tendd's HELLO gave in the last tc_request() (reexec). */
extern long tc_server_pid;
int tc_call_msgs(struct tc *t, const char *verb, uint16_t type, char **argv,
    int argc, double timeout, tc_msg_fn fn, void *arg);
int tc_call(struct tc *t, const char *verb, uint16_t type, char **argv,
    int argc, double timeout, tc_record_fn fn, void *arg);
int tc_collect_cb(struct tc *t, const struct rec *r, void *arg);
void tc_print_unknown(const char *name);
bool rec_is_unknown(const struct rec *r);
int tc_stream(struct tc *t, const char *verb, uint16_t type, char **argv,
    int argc, bool follow);

/* tcstatus.c: status, ps, pid, avail, version, metrics */
int tc_status(struct tc *t, const struct verb *v, int argc, char **argv);
int tc_ps(struct tc *t, const struct verb *v, int argc, char **argv);
int tc_pid(struct tc *t, const struct verb *v, int argc, char **argv);
int tc_avail(struct tc *t, const struct verb *v, int argc, char **argv);
int tc_version(struct tc *t, const struct verb *v, int argc, char **argv);
int tc_metrics(struct tc *t, const struct verb *v, int argc, char **argv);

/* tcaction.c: start, stop, restart, signal, clear, shutdown, the reload family
 */
int tc_action(struct tc *t, const struct verb *v, int argc, char **argv);
int tc_shutdown(struct tc *t, const struct verb *v, int argc, char **argv);
int tc_reread(struct tc *t, const struct verb *v, int argc, char **argv);
int tc_update(struct tc *t, const struct verb *v, int argc, char **argv);
int tc_addremove(struct tc *t, const struct verb *v, int argc, char **argv);
int tc_reexec(struct tc *t, const struct verb *v, int argc, char **argv);

/* tcstream.c: events, tail, maintail, reopen */
int tc_events(struct tc *t, const struct verb *v, int argc, char **argv);
int tc_tail(struct tc *t, const struct verb *v, int argc, char **argv);
int tc_maintail(struct tc *t, const struct verb *v, int argc, char **argv);
int tc_reopen(struct tc *t, const struct verb *v, int argc, char **argv);

/* tcshell.c: the interactive shell */
int tc_split(char *line, char **words);
int tc_shell(struct tc *t);

/* tendctl.c: the verb table, main */
int tc_run(struct tc *t, int argc, char **argv);
/* Print "VERB: MSG (usage: ...)"; returns EXIT_USAGE. */
int tc_usage_err(const struct verb *v, const char *fmt, ...)
    TEND_PRINTF(2, 3);

#endif /* TEND_TC_H */
