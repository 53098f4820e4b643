/*
 * test_webfmt.c: the web page's text work: escaping for HTML, URLs and
 * JSON, the form and cookie decoders on good, bad and hostile input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webfmt.h"

static char *
fmt_html(const char *s)
{
	static char out[256];
	struct wbuf b = {0};

	webfmt_html(&b, s);
	(void)snprintf(out, sizeof(out), "%s", b.s != NULL ? b.s : "");
	webfmt_free(&b);
	return out;
}

static void
test_html(void **state)
{
	(void)state;
	assert_string_equal(fmt_html("<script>alert(\"x\")</script>"),
	    "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
	assert_string_equal(fmt_html("a&b 'c'"), "a&amp;b &#39;c&#39;");
	assert_string_equal(fmt_html("plain"), "plain");
	assert_string_equal(fmt_html(""), "");
}

static void
test_url_json(void **state)
{
	struct wbuf b = {0};

	(void)state;
	webfmt_url(&b, "g:p_1 <x>/?#%");
	assert_string_equal(b.s, "g:p_1%20%3Cx%3E%2F%3F%23%25");
	b.len = 0;
	webfmt_json(&b, "a\"b\\c\n</script>\x01");
	assert_string_equal(b.s, "\"a\\\"b\\\\c\\u000a\\u003c/script>\\u0001\"");
	webfmt_free(&b);
}

static void
test_printf_take(void **state)
{
	struct wbuf b = {0};
	size_t len = 0;
	char *s;
	int i;

	(void)state;
	for (i = 0; i < 2000; i++)
		webfmt_printf(&b, "%d,", i);
	s = webfmt_take(&b, &len);
	assert_non_null(s);
	assert_int_equal(len, strlen(s));
	assert_memory_equal(s, "0,1,2,", 6);
	assert_null(b.s);
	free(s);
	assert_null(webfmt_take(&b, &len));
}

static int
form(const char *body, const char *key, char *out, size_t len)
{
	return webfmt_form_get(body, strlen(body), key, out, len);
}

static void
test_form(void **state)
{
	char v[32];

	(void)state;
	assert_int_equal(form("token=ab&do=restart+g%3A%2A", "do", v, 32), 0);
	assert_string_equal(v, "restart g:*");
	assert_int_equal(form("token=ab&do=x", "token", v, 32), 0);
	assert_string_equal(v, "ab");
	assert_int_equal(form("do=&x=1", "do", v, 32), 0);
	assert_string_equal(v, "");
	assert_int_equal(form("do", "do", v, 32), 0);
	assert_string_equal(v, "");
	/* absent, a prefix of a key, a key inside a value */
	assert_int_equal(form("token=ab", "do", v, 32), -1);
	assert_int_equal(form("dox=1", "do", v, 32), -1);
	assert_int_equal(form("a=do%3D1", "do", v, 32), -1);
	/* bad escapes, a NUL, too long: no value at all */
	assert_int_equal(form("do=%", "do", v, 32), -1);
	assert_int_equal(form("do=%4", "do", v, 32), -1);
	assert_int_equal(form("do=%zz", "do", v, 32), -1);
	assert_int_equal(form("do=a%00b", "do", v, 32), -1);
	assert_int_equal(form("do=0123456789", "do", v, 10), -1);
	assert_int_equal(form("do=012345678", "do", v, 10), 0);
	assert_int_equal(form("", "do", v, 32), -1);
	assert_int_equal(form("&&=&", "", v, 32), 0);
}

static void
test_cookie(void **state)
{
	char v[40];

	(void)state;
	assert_int_equal(
	    webfmt_cookie_get("a=1; tend_sid=abc; b=2", "tend_sid", v, 40), 0);
	assert_string_equal(v, "abc");
	assert_int_equal(webfmt_cookie_get("tend_sid=x", "tend_sid", v, 40), 0);
	assert_string_equal(v, "x");
	assert_int_equal(
	    webfmt_cookie_get("xtend_sid=1; tend_sidx=2", "tend_sid", v, 40),
	    -1);
	assert_int_equal(webfmt_cookie_get("", "tend_sid", v, 40), -1);
	assert_int_equal(webfmt_cookie_get("tend_sid=0123", "tend_sid", v, 4),
	    -1);
}

static void
test_streq_hex(void **state)
{
	unsigned char in[] = {0x00, 0xab, 0xff};
	char hex[7];

	(void)state;
	assert_true(webfmt_streq("abc", "abc"));
	assert_false(webfmt_streq("abc", "abd"));
	assert_false(webfmt_streq("abc", "ab"));
	assert_false(webfmt_streq("", "a"));
	webfmt_hex(in, sizeof(in), hex);
	assert_string_equal(hex, "00abff");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_html),
	    cmocka_unit_test(test_url_json),
	    cmocka_unit_test(test_printf_take),
	    cmocka_unit_test(test_form),
	    cmocka_unit_test(test_cookie),
	    cmocka_unit_test(test_streq_hex),
	};

	return cmocka_run_group_tests_name("webfmt", tests, NULL, NULL);
}
