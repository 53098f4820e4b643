/*
 * tendctl.c: the control CLI.  Owns the verb table (name, argument form,
 * handler, one-line help; it drives `tendctl help` and the shell's
 * completion, as smtpctl's table does), option parsing, supervisorctl's
 * output formats, --json, the exit codes and the interactive shell.  The
 * connection and the wire format are ctlclient.c's and proto.c's.
 *
 * Exit codes (DESIGN.md): 0 success; 1 an action failed or a name is
 * unknown; 2 usage error; 3 status found a process that is not RUNNING;
 * 4 tendd cannot be reached (or went away during the request).
 */
#include "tc.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_LIBEDIT
#include <dlfcn.h>
#include <editline/readline.h>
#endif

static void
tc_verb_usage(FILE *fp, const struct verb *v)
{
	char form[160];

	tc_usage_line(v, form, sizeof(form));
	/* A long form gets a line of its own. */
	if (strlen(form) > 22)
		fprintf(fp, "  %s\n  %-22s %s\n", form, "", v->help);
	else
		fprintf(fp, "  %-22s %s\n", form, v->help);
}

int
tc_usage_err(const struct verb *v, const char *fmt, ...)
{
	char msg[256], form[160];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tc_usage_line(v, form, sizeof(form));
	tc_err("%s: %s (usage: %s)", v->name, msg, form);
	return EXIT_USAGE;
}

static const struct verb *tc_find_verb(const char *name);

static int
tc_help(struct tc *t, const struct verb *v, int argc, char **argv)
{
	const struct verb *h;

	if (argc == 1) {
		if ((h = tc_find_verb(argv[0])) == NULL) {
			tc_err("help: unknown verb: %s", argv[0]);
			return EXIT_USAGE;
		}
		tc_verb_usage(stdout, h);
		if (h->flags & TC_JSON)
			printf("  (accepts --json)\n");
		return EXIT_OK;
	}
	printf("verbs (NAME is PROCESS, GROUP:PROCESS, GROUP:* or all):\n");
	for (h = tc_verbs; h->name != NULL; h++)
		if (t->shell || !(h->flags & TC_SHELL))
			tc_verb_usage(stdout, h);
	return EXIT_OK;
}

/* The verbs of req.def's rows, in its order, then tendctl's own. */
const struct verb tc_verbs[] = {
#define VERB(req, ...) {__VA_ARGS__, PROTO_REQ_##req},
#define NOVERB
#define REQ(name, num, handler, flags, opts, verb) verb
#include "req.def"
#undef REQ
#undef NOVERB
#undef VERB
    {"help", "[VERB]", tc_help, "list verbs, or show one", 0, 1, 0, "", 0},
    {"exit", "", NULL, "leave the shell", 0, 0, TC_SHELL, "", 0},
    {"quit", "", NULL, "leave the shell", 0, 0, TC_SHELL, "", 0},
    {NULL, NULL, NULL, NULL, 0, 0, 0, NULL, 0},
};

static const struct verb *
tc_find_verb(const char *name)
{
	const struct verb *v;

	for (v = tc_verbs; v->name != NULL; v++)
		if (strcmp(v->name, name) == 0)
			return v;
	return NULL;
}

static void
tc_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: tendctl [-c FILE] [-s SOCKET] [--json] [VERB [ARG...]]\n"
	    "       tendctl -h | -V\n"
	    "With no verb, an interactive shell.  `tendctl help` lists the "
	    "verbs.\n");
}

#define TC_MAXWORDS 128

/* ARGV[0] holds blanks: its words, then the other arguments. */
static int
tc_run_split(struct tc *t, int argc, char **argv)
{
	char *words[TC_MAXWORDS], **all;
	int n, i, rc;

	if ((n = tc_split(argv[0], words)) == 0 || n + argc > TC_MAXWORDS + 1)
		return tc_run(t, argc - 1, argv + 1);
	all = tc_xmalloc(((size_t)n + (size_t)argc) * sizeof(*all));
	memcpy(all, words, (size_t)n * sizeof(*all));
	for (i = 1; i < argc; i++)
		all[n++] = argv[i];
	all[n] = NULL;
	rc = tc_run(t, n, all);
	free(all);
	return rc;
}

/* Run one command line (ARGV[0] is the verb).  The settings in T may be
 * changed by --json for this command only. */
int
tc_run(struct tc *t, int argc, char **argv)
{
	const struct verb *v;
	struct tc local = *t;
	struct tc_opts o;
	char **args, err[256];
	int n = 0, i, rc;

	/* supervisorctl joins its arguments into one command line: `'signal
	 * HUP' web` is `signal HUP web` (Ansible's module runs that). */
	if (argc > 0 && strpbrk(argv[0], " \t") != NULL)
		return tc_run_split(t, argc, argv);
	if ((v = tc_find_verb(argv[0])) == NULL ||
	    (!t->shell && (v->flags & TC_SHELL))) {
		tc_err("unknown verb: %s", argv[0]);
		if (!t->shell)
			tc_usage(stderr);
		return EXIT_USAGE;
	}
	/* --json may follow the verb too: `tendctl status --json`. */
	args = tc_xmalloc((size_t)argc * sizeof(*args));
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			local.json = true;
			continue;
		}
		args[n++] = argv[i];
	}
	args[n] = NULL;
	local.vopts = &o;
	rc = EXIT_USAGE;
	if (local.json && !(v->flags & TC_JSON))
		tc_err(
		    "%s: --json is not supported (status, pid, avail and version take it)",
		    v->name);
	else if (tc_opts_parse(v, &o, &n, args, err, sizeof(err)) == -1)
		(void)tc_usage_err(v, "%s", strchr(err, ' ') + 1);
	else if (n < v->min)
		(void)tc_usage_err(v, "%s required",
		    v->min == 2 ? "a signal and a process name are"
		                : "a process name is");
	else if (v->max >= 0 && n > v->max)
		(void)tc_usage_err(v, "too many arguments");
	else
		rc = v->fn(&local, v, n, args);
	free(args);
	(void)fflush(stdout);
	return rc;
}

/* --- main --------------------------------------------------------------- */

/* -s, else the config's socket (-c, or the default config if readable),
 * else the built-in default. */
static int
tc_resolve_socket(struct tc *t, const char *sock, const char *conf)
{
	char err[512];
	int r;

	if (sock != NULL) {
		(void)snprintf(t->sock, sizeof(t->sock), "%s", sock);
		return 0;
	}
	if (conf != NULL || access(TEND_DEFAULT_CONF, R_OK) == 0) {
		r = ctlc_socket_from_config(conf ? conf : TEND_DEFAULT_CONF,
		    t->sock, sizeof(t->sock), err, sizeof(err));
		if (r == 1)
			return 0;
		if (r == -1) {
			tc_err("%s", err);
			return -1;
		}
	}
	if (proto_default_socket(t->sock, sizeof(t->sock)) == -1) {
		tc_err("default socket path: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	struct tc t;
	const char *sock = NULL, *conf = NULL;
	int ch;

	memset(&t, 0, sizeof(t));
	/* "+": options end at the verb, so `tail -f` keeps its -f. */
	while (
	    (ch = getopt_long(argc, argv, "+c:s:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			conf = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		case 'j':
			t.json = true;
			break;
		case 'h':
			tc_usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("tendctl %s\n", TEND_VERSION);
			return EXIT_OK;
		default:
			tc_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (tc_resolve_socket(&t, sock, conf) == -1)
		return EXIT_USAGE;
	if (optind == argc) {
		if (t.json) {
			tc_err("--json needs a verb");
			tc_usage(stderr);
			return EXIT_USAGE;
		}
		return tc_shell(&t);
	}
	return tc_run(&t, argc - optind, argv + optind);
}
