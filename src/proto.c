/*
 * proto.c: packing and parsing control-protocol frames (see proto.h for
 * the wire format).  It owns the byte layout and the message numbers; it
 * does no I/O and knows nothing of processes: ctl.c and ctlclient.c move
 * the bytes and give them meaning.  Every length read from the wire is
 * checked against what is really there before it is used.
 */
#include "proto.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct {
	uint16_t type;
	const char *name;
} proto_types[] = {
    {PROTO_HELLO, "HELLO"},
    {PROTO_ERROR, "ERROR"},
    {PROTO_END, "END"},
    {PROTO_RECORD, "RECORD"},
    {PROTO_DATA, "DATA"},
#define REQ(name, num, handler, flags, opts, verb) {PROTO_REQ_##name, "REQ_" #name},
#include "req.def"
#undef REQ
    {PROTO_REQ_START_T, "REQ_START_T"},
    {PROTO_REQ_STOP_T, "REQ_STOP_T"},
    {PROTO_REQ_RESTART_T, "REQ_RESTART_T"},
    {PROTO_REQ_STATUS_FULL, "REQ_STATUS_FULL"},
};

static const char *const proto_faults[] = {
    [PROTO_F_OK] = "",
    [PROTO_F_NO_SUCH_PROCESS] = "no such process",
    [PROTO_F_ALREADY_STARTED] = "already started",
    [PROTO_F_NOT_RUNNING] = "not running",
    [PROTO_F_SPAWN_ERROR] = "spawn error",
    [PROTO_F_ABNORMAL_TERMINATION] = "abnormal termination",
    [PROTO_F_BAD_SIGNAL] = "bad signal name",
    [PROTO_F_FAILED] = "failed",
    [PROTO_F_SHUTTING_DOWN] = "shutting down",
    [PROTO_F_TIMED_OUT] = "timed out",
};

const char *
proto_fault_text(int f)
{
	if (f < 0 || (size_t)f >= TEND_NELEM(proto_faults))
		return "unknown fault";
	return proto_faults[f];
}

const char *
proto_type_name(uint16_t type)
{
	size_t i;

	for (i = 0; i < TEND_NELEM(proto_types); i++)
		if (proto_types[i].type == type)
			return proto_types[i].name;
	return NULL;
}

/* --- big-endian fields ------------------------------------------------ */

static void
proto_be16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static void
proto_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static uint16_t
proto_rd16(const unsigned char *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t
proto_rd32(const unsigned char *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

/* --- writing ---------------------------------------------------------- */

/* Reserve N bytes at the end of the frame; NULL (and overflow) if they do
 * not fit. */
static unsigned char *
proto_reserve(struct proto_writer *w, size_t n)
{
	size_t limit = w->cap < PROTO_MAX_FRAME ? w->cap : PROTO_MAX_FRAME;
	unsigned char *p;

	if (w->overflow || n > limit - w->len) {
		w->overflow = true;
		return NULL;
	}
	p = w->buf + w->len;
	w->len += n;
	return p;
}

void
proto_begin(
    struct proto_writer *w, void *buf, size_t cap, uint16_t type, uint32_t id)
{
	unsigned char *p;

	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->overflow = false;
	if ((p = proto_reserve(w, PROTO_HDR_SIZE)) == NULL)
		return;
	proto_be32(p, 0); /* patched by proto_finish() */
	proto_be16(p + 4, type);
	proto_be32(p + 6, id);
}

void
proto_put_u32(struct proto_writer *w, uint32_t v)
{
	unsigned char *p;

	if ((p = proto_reserve(w, 4)) != NULL)
		proto_be32(p, v);
}

void
proto_put_str(struct proto_writer *w, const char *s)
{
	size_t n = strlen(s);
	unsigned char *p;

	if (n >= UINT16_MAX) {
		w->overflow = true;
		return;
	}
	if ((p = proto_reserve(w, 2 + n + 1)) == NULL)
		return;
	proto_be16(p, (uint16_t)n);
	memcpy(p + 2, s, n);
	p[2 + n] = '\0';
}

void
proto_put_bytes(struct proto_writer *w, const void *buf, size_t n)
{
	unsigned char *p;

	if ((p = proto_reserve(w, n)) != NULL && n > 0)
		memcpy(p, buf, n);
}

void
proto_put_kv(struct proto_writer *w, const char *key, const char *value)
{
	proto_put_str(w, key);
	proto_put_str(w, value);
}

void
proto_put_kvf(struct proto_writer *w, const char *key, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf)) {
		w->overflow = true;
		return;
	}
	proto_put_kv(w, key, buf);
}

void
proto_put_opts(struct proto_writer *w, const char *const *kv, int n)
{
	unsigned char *p;
	int i;

	if (n <= 0)
		return;
	if (n > PROTO_MAX_OPTS || (p = proto_reserve(w, 4)) == NULL) {
		w->overflow = true;
		return;
	}
	proto_be16(p, PROTO_OPTS_MARK);
	proto_be16(p + 2, (uint16_t)n);
	for (i = 0; i < 2 * n; i++)
		proto_put_str(w, kv[i]);
}

int
proto_pick_version(uint32_t lo, uint32_t hi)
{
	uint32_t v = hi < PROTO_VERSION ? hi : PROTO_VERSION;

	if (lo > hi || v < lo || v < PROTO_VERSION_MIN)
		return -1;
	return (int)v;
}

ssize_t
proto_finish(struct proto_writer *w)
{
	if (w->overflow || w->len < PROTO_HDR_SIZE) {
		errno = EMSGSIZE;
		return -1;
	}
	proto_be32(w->buf, (uint32_t)(w->len - PROTO_LEN_SIZE));
	return (ssize_t)w->len;
}

/* --- reading ---------------------------------------------------------- */

ssize_t
proto_frame_size(const void *buf, size_t len, char *err, size_t errlen)
{
	uint32_t n;

	if (len < PROTO_LEN_SIZE)
		return 0;
	n = proto_rd32(buf);
	if (n < PROTO_HDR_SIZE - PROTO_LEN_SIZE) {
		snprintf(err, errlen, "frame too short: %u bytes", n);
		return -1;
	}
	if (n > PROTO_MAX_FRAME - PROTO_LEN_SIZE) {
		snprintf(err, errlen, "frame too large: %u bytes (limit %d)", n,
		    PROTO_MAX_FRAME - PROTO_LEN_SIZE);
		return -1;
	}
	return (ssize_t)n + PROTO_LEN_SIZE;
}

int
proto_decode(const void *frame, size_t len, struct proto_msg *m, char *err,
    size_t errlen)
{
	const unsigned char *p = frame;
	ssize_t size;

	memset(m, 0, sizeof(*m));
	if (len < PROTO_HDR_SIZE) {
		snprintf(err, errlen, "frame truncated: %zu bytes", len);
		return -1;
	}
	m->type = proto_rd16(p + 4);
	m->id = proto_rd32(p + 6);
	if ((size = proto_frame_size(p, len, err, errlen)) < 0)
		return -1;
	if ((size_t)size != len) {
		snprintf(err, errlen,
		    "frame length %zd disagrees with %zu bytes", size, len);
		return -1;
	}
	m->body = p + PROTO_HDR_SIZE;
	m->bodylen = len - PROTO_HDR_SIZE;
	if (proto_type_name(m->type) == NULL) {
		snprintf(err, errlen, "unknown message type %u", m->type);
		return -1;
	}
	return 0;
}

int
proto_get_u32(struct proto_msg *m, uint32_t *v)
{
	if (m->bodylen - m->off < 4)
		return -1;
	*v = proto_rd32(m->body + m->off);
	m->off += 4;
	return 0;
}

/* Length of the well-formed string at offset OFF of M's body, the header
 * and NUL included; 0 if there is none or it is malformed. */
static size_t
proto_str_at(const struct proto_msg *m, size_t off)
{
	const unsigned char *p = m->body + off;
	size_t left = m->bodylen - off;
	size_t n;

	if (left < 3)
		return 0;
	n = proto_rd16(p);
	if (n > left - 3 || p[2 + n] != '\0')
		return 0;
	/* An embedded NUL would silently cut the string in C. */
	if (memchr(p + 2, '\0', n) != NULL)
		return 0;
	return n + 3;
}

int
proto_get_str(struct proto_msg *m, const char **s)
{
	size_t n = proto_str_at(m, m->off);

	if (n == 0)
		return -1;
	*s = (const char *)m->body + m->off + 2;
	m->off += n;
	return 0;
}

int
proto_get_opts(struct proto_msg *m, const char **kv, int max)
{
	struct proto_msg c = *m;
	int n, i;

	if (c.bodylen - c.off < 4 ||
	    proto_rd16(c.body + c.off) != PROTO_OPTS_MARK)
		return 0;
	n = proto_rd16(c.body + c.off + 2);
	c.off += 4;
	if (n > max)
		return -1;
	for (i = 0; i < 2 * n; i++)
		if (proto_get_str(&c, &kv[i]) == -1)
			return -1;
	*m = c;
	return n;
}

void
proto_get_rest(struct proto_msg *m, const unsigned char **p, size_t *n)
{
	*p = m->body + m->off;
	*n = m->bodylen - m->off;
	m->off = m->bodylen;
}

bool
proto_at_end(const struct proto_msg *m)
{
	return m->off == m->bodylen;
}

int
proto_count_strs(const struct proto_msg *m)
{
	size_t off = m->off, n;
	int count = 0;

	while (off < m->bodylen) {
		if ((n = proto_str_at(m, off)) == 0)
			return -1;
		off += n;
		count++;
	}
	return count;
}

const char *
proto_record_get(const struct proto_msg *m, const char *key)
{
	struct proto_msg c = *m;
	const char *k, *v;

	while (!proto_at_end(&c)) {
		if (proto_get_str(&c, &k) < 0 || proto_get_str(&c, &v) < 0)
			return NULL;
		if (strcmp(k, key) == 0)
			return v;
	}
	return NULL;
}

/* --- the default socket path ------------------------------------------ */

int
proto_default_socket(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	int n;

	if (geteuid() == 0)
		n = snprintf(buf, len, "%s", TEND_DEFAULT_SOCK_ROOT);
	else if (xdg != NULL && xdg[0] == '/')
		n = snprintf(buf, len, "%s/%s", xdg, TEND_SOCK_NAME);
	else
		n = snprintf(buf, len, "/tmp/tend-%u/%s", (unsigned)geteuid(),
		    TEND_SOCK_NAME);
	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}
