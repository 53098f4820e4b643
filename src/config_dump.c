/*
 * config_dump.c: tendd -n -v, the resolved configuration as tend will run
 * it: every key of the table with its value, per process.  Owns how each
 * type of value is printed.  Leaves alone: everything else.
 */
#include "config_impl.h"
#include "evbus.h"
#include "log.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static void
pr_str(FILE *fp, const struct conf_key *k, const void *base)
{
	const char *s = *CFIELD(k, base, char *);

	/* A password goes to terminals, logs and bug reports: never. */
	if ((k->flags & KF_SECRET) && s != NULL)
		s = "(set)";
	(void)fputs(s                         ? s
	            : (k->flags & KF_INHERIT) ? "(tendd's)"
	                                      : "(none)",
	    fp);
}

/* ENVIRON: quoted words; NAMELIST: "a, b". */
static void
pr_strv(FILE *fp, const struct conf_key *k, const void *base)
{
	char *const *v = *CFIELD(k, base, char **);
	bool quote = k->type == KT_ENVIRON;
	char *q;
	size_t i;

	if (v == NULL || v[0] == NULL)
		(void)fputs("(none)", fp);
	for (i = 0; v != NULL && v[i] != NULL; i++) {
		q = quote ? expand_quote(v[i]) : NULL;
		(void)fprintf(
		    fp, "%s%s", i ? (quote ? " " : ", ") : "", q ? q : v[i]);
		free(q);
	}
}

static void
pr_bool(FILE *fp, const struct conf_key *k, const void *base)
{
	(void)fputs(*CFIELD(k, base, bool) ? "true" : "false", fp);
}

static void
pr_int(FILE *fp, const struct conf_key *k, const void *base)
{
	(void)fprintf(fp, "%d", *CFIELD(k, base, int));
}

static void
pr_long(FILE *fp, const struct conf_key *k, const void *base)
{
	(void)fprintf(fp, "%ld", *CFIELD(k, base, long));
}

static void
pr_double(FILE *fp, const struct conf_key *k, const void *base)
{
	(void)fprintf(fp, "%g%s", *CFIELD(k, base, double),
	    k->type == KT_PERCENT ? "%" : "");
}

static void
pr_u64(FILE *fp, const struct conf_key *k, const void *base)
{
	(void)fprintf(
	    fp, "%llu", (unsigned long long)*CFIELD(k, base, uint64_t));
}

static void
pr_signal(FILE *fp, const struct conf_key *k, const void *base)
{
	int sig = *CFIELD(k, base, int);

	(void)fputs(sig ? util_signal_name(sig) : "none", fp);
}

static void
pr_octal(FILE *fp, const struct conf_key *k, const void *base)
{
	int v = *CFIELD(k, base, int);

	if (v < 0)
		(void)fputs("(tendd's)", fp);
	else /* umask 022, socket_mode 0700 */
		(void)fprintf(fp, v < 0100 ? "%03o" : "%04o", (unsigned)v);
}

static void
pr_enum(FILE *fp, const struct conf_key *k, const void *base)
{
	(void)fputs(cfg_enum_desc(k)->words[*CFIELD(k, base, int)], fp);
}

static void
pr_exitcodes(FILE *fp, const struct conf_key *k, const void *base)
{
	const struct conf_exitcodes *e = CFIELD(k, base, struct conf_exitcodes);
	bool first = true;
	int c;

	for (c = 0; c < 256; c++) {
		if (!conf_exitcode_expected(e, c))
			continue;
		(void)fprintf(fp, "%s%d", first ? "" : ",", c);
		first = false;
	}
}

static void
pr_log(FILE *fp, const struct conf_key *k, const void *base)
{
	static const char *const kinds[] = {"NONE", "AUTO", NULL};
	const struct conf_log *l = CFIELD(k, base, struct conf_log);

	(void)fputs(l->kind == CONF_LOG_FILE ? l->path : kinds[l->kind], fp);
}

static void
pr_user(FILE *fp, const struct conf_key *k, const void *base)
{
	const struct conf_proc *p = base;

	if (p->user == NULL)
		(void)fputs("(tendd's)", fp);
	else
		(void)fprintf(fp, "%s (uid %ld, gid %ld)", p->user,
		    (long)p->uid, (long)p->gid);
}

static void
pr_runas(FILE *fp, const struct conf_key *k, const void *base)
{
	const struct conf_global *g = base;

	if (g->user == NULL)
		(void)fputs("(tendd's)", fp);
	else
		(void)fprintf(fp, "%s (uid %ld, gid %ld)", g->user,
		    (long)g->user_uid, (long)g->user_gid);
}

static void
pr_command(FILE *fp, const struct conf_key *k, const void *base)
{
	const struct conf_proc *p = base;
	char *q;
	size_t i;

	for (i = 0; p->argv != NULL && p->argv[i] != NULL; i++) {
		q = expand_quote(p->argv[i]);
		(void)fprintf(fp, "%s%s", i ? " " : "", q ? q : p->argv[i]);
		free(q);
	}
}

static void
pr_loglevel(FILE *fp, const struct conf_key *k, const void *base)
{
	(void)fputs(
	    log_level_name((enum log_level) * CFIELD(k, base, int)), fp);
}

static void
pr_rlimit_one(FILE *fp, uint64_t v)
{
	if (v == CONF_RLIM_INFINITY)
		(void)fputs("unlimited", fp);
	else
		(void)fprintf(fp, "%llu", (unsigned long long)v);
}

static void
pr_rlimit(FILE *fp, const struct conf_key *k, const void *base)
{
	const struct conf_rlimit *rl = CFIELD(k, base, struct conf_rlimit);

	if (!rl->set) {
		(void)fputs("(tendd's)", fp);
		return;
	}
	pr_rlimit_one(fp, rl->soft);
	(void)fputc(':', fp);
	pr_rlimit_one(fp, rl->hard);
}

#ifdef HAVE_EVENTS
/* events=: the concrete types, in evbus.h's order. */
static void
pr_events(FILE *fp, const struct conf_key *k, const void *base)
{
	uint32_t m = *CFIELD(k, base, uint32_t);
	const char *sep = "";
	int t;

	if (m == 0)
		(void)fputs("(none)", fp);
	for (t = 0; t < EVT__COUNT; t++)
		if (m & EVBUS_BIT(t)) {
			(void)fprintf(fp, "%s%s", sep, evbus_name(t));
			sep = ",";
		}
}
#endif

static void
pr_ignored(FILE *fp, const struct conf_key *k, const void *base)
{
	(void)fputs("(accepted, ignored)", fp);
}

/* A key read into another's field: that key prints the value. */
static void
pr_alias(FILE *fp, const struct conf_key *k, const void *base)
{
	(void)fputs(k->type == KT_DEPSTART ? "(read into autostart)"
	                                   : "(read into depends_on)",
	    fp);
}

#ifdef HAVE_HEALTH
static void
pr_health(FILE *fp, const struct conf_key *k, const void *base)
{
	const struct conf_health *h = *CFIELD(k, base, struct conf_health *);

	(void)fputs(h != NULL ? h->text : "none", fp);
}

static void
pr_hcaction(FILE *fp, const struct conf_key *k, const void *base)
{
	cfg_health_action_print(fp, *CFIELD(k, base, int));
}
#endif

typedef void printer(FILE *fp, const struct conf_key *k, const void *base);

static printer *const printers[] = {
    [KT_STRING] = pr_str,
    [KT_PATH] = pr_str,
    [KT_DIR] = pr_str,
    [KT_BOOL] = pr_bool,
    [KT_INT] = pr_int,
#ifdef HAVE_EVENTS
    [KT_EVENTS] = pr_events,
#else
    [KT_EVENTS] = pr_ignored,
#endif
    [KT_LONG] = pr_long,
    [KT_SECONDS] = pr_double,
    [KT_SIZE] = pr_u64,
    [KT_SIGNAL] = pr_signal,
    [KT_OCTAL] = pr_octal,
    [KT_AUTORESTART] = pr_enum,
    [KT_EXITCODES] = pr_exitcodes,
    [KT_LOGFILE] = pr_log,
    [KT_ENVIRON] = pr_strv,
    [KT_READINESS] = pr_enum,
    [KT_CRITICAL] = pr_enum,
    [KT_NAMELIST] = pr_strv,
    [KT_NAME] = pr_str,
    [KT_USER] = pr_user,
    [KT_RUNAS] = pr_runas,
    [KT_COMMAND] = pr_command,
    [KT_LOGLEVEL] = pr_loglevel,
    [KT_OWNER] = pr_str,
    [KT_SERVERURL] = pr_str,
    [KT_IGNBOOL] = pr_ignored,
    [KT_IGNORED] = pr_ignored,
    [KT_INCLUDE] = pr_ignored,
    [KT_RLIMIT] = pr_rlimit,
    [KT_PERCENT] = pr_double,
    [KT_DEPSTART] = pr_alias,
    [KT_WAITFOR] = pr_alias,
/* A feature configure left out: its keys print "(not built in)"
 * (dump_key) and its printers are not linked. */
#ifdef HAVE_HEALTH
    [KT_HEALTHCHECK] = pr_health,
    [KT_HCACTION] = pr_hcaction,
#endif
#ifdef HAVE_FCGI
    [KT_FCGI_SOCKET] = cfg_fcgi_print,
    [KT_FCGI_OWNER] = cfg_fcgi_print,
    [KT_FCGI_MODE] = cfg_fcgi_print,
    [KT_FCGI_BACKLOG] = cfg_fcgi_print,
#endif
};

/* ------------------------------------------------------------------ */
/* config_dump(): every key of the table, as "    KEY  VALUE". */

/* "    KEY  " up to the value's column, wide enough for every key that
 * tend reads; a longer name (dependent_startup_wait_for and
 * supervisor.rpcinterface_factory, accepted and ignored) is followed by
 * two spaces too: no name runs into its value. */
#define DUMP_NAME_WIDTH 24

static void
dump_name(FILE *fp, const char *name)
{
	(void)fprintf(fp, "    %-*s  ", DUMP_NAME_WIDTH, name);
}

static void
dump_key(FILE *fp, const struct conf_key *k, const void *base)
{
	dump_name(fp, k->name);
	if (k->flags & KF_ABSENT)
		(void)fputs("(not built in)", fp);
	else if (k->off != NOFIELD && (base = cfg_key_base(k, base)) == NULL)
		(void)fputs("(no healthcheck)", fp);
	else if (k->off == NOFIELD)
		pr_ignored(fp, k, base);
	else
		printers[k->type](fp, k, base);
	(void)fputc('\n', fp);
}

/* The keys of TAB but those of the other kind of section (SKIP). */
static void
dump_keys(FILE *fp, const struct conf_key *tab, const void *base,
    unsigned skip)
{
	for (; tab->name != NULL; tab++)
		if (!(tab->flags & skip))
			dump_key(fp, tab, base);
}

/* A process: its keys, those of [fcgi-program:x] only for one. */
static void
dump_proc(FILE *fp, const struct conf_proc *p)
{
	const char *kind = p->fcgi != NULL ? "fcgi-program" : "program";
	bool l = conf_is_listener(p);

	(void)fprintf(fp, "process %s%s%s ([%s:%s] at %s:%d)\n",
	    CFG_FULLNAME(p), l ? "eventlistener" : kind, p->program,
	    p->file, p->line);
	dump_name(fp, "group");
	(void)fprintf(fp, "%s\n", p->group);
	dump_name(fp, "process_num");
	(void)fprintf(fp, "%d of %d\n", p->process_num, p->numprocs);
	dump_keys(fp, cfg_program_keys, p,
	    (l ? KF_PROGRAM : KF_LISTENER) | (p->fcgi != NULL ? 0 : KF_FCGI));
}

static void
dump_globals(FILE *fp, const struct conf_global *g)
{
	const struct conf_key *k, *same;
	size_t i;

	(void)fprintf(fp, "globals\n");
	for (i = 0; (k = cfg_global_key(i)) != NULL; i++) {
		if ((same = cfg_global_key_alias(k)) == NULL)
			dump_key(fp, k, g);
		else if (strcmp(same->name, k->name) != 0) {
			dump_name(fp, k->name);
			(void)fprintf(fp, "(as %s)\n", same->name);
		}
	}
}

void
config_dump(const struct tend_conf *conf, FILE *fp)
{
	size_t i;

	(void)fprintf(fp, "config %s\n", conf->path);
	dump_globals(fp, &conf->global);
	for (i = 0; i < conf->ngroups; i++) {
		(void)fprintf(fp, "group %s (%s:%d)\n", conf->groups[i]->name,
		    conf->groups[i]->file, conf->groups[i]->line);
		dump_keys(fp, cfg_group_keys, conf->groups[i], 0);
	}
	for (i = 0; i < conf->nprocs; i++)
		dump_proc(fp, conf->procs[i]);
	for (i = 0; i < conf->nwarnings; i++)
		(void)fprintf(fp, "warning: %s\n", conf->warnings[i]);
}
