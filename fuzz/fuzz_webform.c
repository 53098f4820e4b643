/*
 * fuzz_webform.c: what a browser sends the web page (webfmt.c): the
 * urlencoded form of POST /action and the Cookie header, decoded as
 * web.c does, and the escapers on whatever came out.
 */
#include "fuzz.h"

#include "webfmt.h"

#include <stdlib.h>
#include <string.h>

FUZZ_TARGET(webform)(const uint8_t *data, size_t size)
{
	static const char *keys[] = {"token", "do", "back", "", "x"};
	char out[1024], *s;
	struct wbuf b = {0};
	size_t i, len;

	/* the body as MHD hands it over: not NUL-terminated */
	s = malloc(size ? size : 1);
	if (s == NULL)
		abort();
	if (size > 0)
		memcpy(s, data, size);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (webfmt_form_get(s, size, keys[i], out, sizeof(out)) == -1)
			continue;
		if (strlen(out) >= sizeof(out))
			abort();
		webfmt_html(&b, out);
		webfmt_url(&b, out);
		webfmt_json(&b, out);
	}
	free(s);
	s = fuzz_string(data, size);
	if (webfmt_cookie_get(s, "tend_sid", out, 33) == 0 && strlen(out) > 32)
		abort();
	free(s);
	/* escaped HTML holds no raw < > " ' */
	s = fuzz_string(data, size);
	len = b.len;
	webfmt_html(&b, s);
	if (!b.oom && b.s != NULL && strpbrk(b.s + len, "<>\"'") != NULL)
		abort();
	free(s);
	s = webfmt_take(&b, &len);
	free(s);
	return 0;
}
