/*
 * tend.h: the few basics every room shares.  Each room declares its own API
 * in its own header; nothing room-specific belongs here.
 */
#ifndef TEND_H
#define TEND_H

#include "autoconf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TEND_VERSION PACKAGE_VERSION

/* Default paths (DESIGN.md "Names and files"). */
#define TEND_DEFAULT_CONF "/etc/tend/tend.conf"
#define TEND_DEFAULT_SOCK_ROOT "/run/tend/tend.sock"
#define TEND_SOCK_NAME "tend.sock"

#define TEND_NELEM(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define TEND_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define TEND_NORETURN __attribute__((noreturn))
#else
#define TEND_PRINTF(f, a)
#define TEND_NORETURN
#endif

#endif /* TEND_H */
