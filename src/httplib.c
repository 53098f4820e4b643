/*
 * httplib.c: loads the HTTP front end's libraries (libmicrohttpd, GnuTLS
 * for {SHA} passwords, xmlrpc-c) with dlopen(3) by the sonames configure
 * recorded, and fills httplib.h's table with dlsym(3).
 *
 * Owns: the handles and the table.  Leaves alone: when to load (http.c
 * calls it at the first connection, or at start-up with
 * [inet_http_server]); what the functions do.
 */
#define HTTPLIB_IMPL
#include "httplib.h"
#include "tend.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>

enum { HTTPLIB_MHD, HTTPLIB_GNUTLS, HTTPLIB_XMLRPC, HTTPLIB_XMLRPC_UTIL, HTTPLIB_N };

static const char *const httplib_sonames[HTTPLIB_N] = {
	HTTP_MHD_SONAME, HTTP_GNUTLS_SONAME, HTTP_XMLRPC_SONAME,
	HTTP_XMLRPC_UTIL_SONAME,
};

struct httplib httplib;

static struct {
	int state; /* 0 not tried, 1 loaded, -1 failed */
	char err[256];
	void *h[HTTPLIB_N];
} hl;

/* Open every library: false with hl.err naming the one that failed. */
static bool
httplib_open(void)
{
	const char *e;
	int i;

	for (i = 0; i < HTTPLIB_N; i++) {
		hl.h[i] = dlopen(httplib_sonames[i], RTLD_NOW | RTLD_LOCAL);
		if (hl.h[i] == NULL) {
			e = dlerror();
			(void)snprintf(hl.err, sizeof(hl.err), "dlopen %s: %s",
			    httplib_sonames[i], e != NULL ? e : "failed");
			return false;
		}
	}
	return true;
}

/* dlsym NAME from library LIB; NULL with hl.err set when missing. */
static void *
httplib_sym(int lib, const char *name)
{
	void *p = dlsym(hl.h[lib], name);

	if (p == NULL && hl.err[0] == '\0')
		(void)snprintf(hl.err, sizeof(hl.err), "dlsym %s in %s: not found",
		    name, httplib_sonames[lib]);
	return p;
}

int
httplib_load(char *err, size_t errlen)
{
	if (hl.state == 0) {
		hl.state = -1;
		if (httplib_open()) {
#define HTTPLIB_SYM(lib, name)                                             \
	httplib.name = (__typeof__(httplib.name))httplib_sym(HTTPLIB_##lib, #name);
			HTTPLIB_FUNCS(HTTPLIB_SYM)
#undef HTTPLIB_SYM
			if (hl.err[0] == '\0')
				hl.state = 1;
		}
	}
	if (hl.state == 1)
		return 0;
	(void)snprintf(err, errlen, "HTTP front end: %s", hl.err);
	return -1;
}
