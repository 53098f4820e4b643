/*
 * test_lsnbuf.c: a pool's event buffer against supervisord 4.2's
 * EventListenerPool (process.py _acceptEvent, dispatch): new events at
 * the tail, a rejected one back at the head keeping its pool serial, a
 * full buffer discarding its oldest (the head) first, even for an event
 * that goes back to the head, and a smaller buffer_size after a reload.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "lsnbuf.h"

/* Items are small integers cast to pointers: only their order matters. */
static struct lsnbuf_item
item(uintptr_t id)
{
	struct lsnbuf_item it = {(void *)id, id * 10};

	return it;
}

/* The buffer's items, oldest first, as digits ("123"). */
static void
order(const struct lsnbuf *b, char *out)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		out[i] = (char)('0' + (uintptr_t)lsnbuf_at(b, i)->ev);
	out[i] = '\0';
}

static void
test_fifo_and_head(void **state)
{
	struct lsnbuf b;
	struct lsnbuf_item it, gone;
	char s[32];
	uintptr_t i;

	(void)state;
	lsnbuf_init(&b, 10);
	assert_false(lsnbuf_pop(&b, &it));
	for (i = 1; i <= 3; i++)
		assert_int_equal(lsnbuf_push(&b, item(i), false, &gone), 0);
	order(&b, s);
	assert_string_equal(s, "123");
	/* The oldest goes out first; a rejected one comes back first,
	 * with its pool serial. */
	assert_true(lsnbuf_pop(&b, &it));
	assert_int_equal((uintptr_t)it.ev, 1);
	assert_int_equal(lsnbuf_push(&b, it, true, &gone), 0);
	order(&b, s);
	assert_string_equal(s, "123");
	assert_int_equal(lsnbuf_at(&b, 0)->poolserial, 10);
	assert_int_equal(b.dropped, 0);
	lsnbuf_free(&b);
}

static void
test_overflow_drops_oldest(void **state)
{
	struct lsnbuf b;
	struct lsnbuf_item gone;
	char s[32];
	uintptr_t i;

	(void)state;
	lsnbuf_init(&b, 3);
	for (i = 1; i <= 3; i++)
		assert_int_equal(lsnbuf_push(&b, item(i), false, &gone), 0);
	/* Full: the 4th discards 1 (supervisord's pop(0)). */
	assert_int_equal(lsnbuf_push(&b, item(4), false, &gone), 1);
	assert_int_equal((uintptr_t)gone.ev, 1);
	order(&b, s);
	assert_string_equal(s, "234");
	/* A rebuffered event into a full buffer: the oldest (2) is
	 * discarded first, then 5 goes to the head. */
	assert_int_equal(lsnbuf_push(&b, item(5), true, &gone), 1);
	assert_int_equal((uintptr_t)gone.ev, 2);
	order(&b, s);
	assert_string_equal(s, "534");
	assert_int_equal(b.dropped, 2);
	assert_int_equal(b.n, 3);
	lsnbuf_free(&b);
}

/* The ring wraps and grows with items at both ends, in order. */
static void
test_wrap_and_grow(void **state)
{
	struct lsnbuf b;
	struct lsnbuf_item it, gone;
	char s[32];
	uintptr_t i;

	(void)state;
	lsnbuf_init(&b, 9);
	for (i = 1; i <= 3; i++)
		(void)lsnbuf_push(&b, item(i), false, &gone);
	assert_true(lsnbuf_pop(&b, &it));
	assert_true(lsnbuf_pop(&b, &it));
	for (i = 4; i <= 8; i++)
		(void)lsnbuf_push(&b, item(i), false, &gone);
	(void)lsnbuf_push(&b, item(2), true, &gone);
	(void)lsnbuf_push(&b, item(1), true, &gone);
	order(&b, s);
	assert_string_equal(s, "12345678");
	assert_true(b.cap <= 9);
	assert_int_equal(b.dropped, 0);
	lsnbuf_free(&b);
}

/* A reload makes buffer_size smaller: the oldest go, one at a time. */
static void
test_smaller_max(void **state)
{
	struct lsnbuf b;
	struct lsnbuf_item gone;
	char s[32];
	uintptr_t i;
	int n = 0;

	(void)state;
	lsnbuf_init(&b, 8);
	for (i = 1; i <= 6; i++)
		(void)lsnbuf_push(&b, item(i), false, &gone);
	while (lsnbuf_set_max(&b, 2, &gone) == 1)
		n++;
	assert_int_equal(n, 4);
	order(&b, s);
	assert_string_equal(s, "56");
	assert_int_equal(lsnbuf_push(&b, item(7), false, &gone), 1);
	assert_int_equal((uintptr_t)gone.ev, 5);
	order(&b, s);
	assert_string_equal(s, "67");
	/* And larger again: it grows past its old ring. */
	assert_int_equal(lsnbuf_set_max(&b, 20, &gone), 0);
	for (i = 1; i <= 5; i++)
		assert_int_equal(lsnbuf_push(&b, item(i), false, &gone), 0);
	order(&b, s);
	assert_string_equal(s, "6712345");
	lsnbuf_free(&b);
}

/* buffer_size=1: each new event replaces the one waiting. */
static void
test_size_one(void **state)
{
	struct lsnbuf b;
	struct lsnbuf_item gone;
	char s[32];

	(void)state;
	lsnbuf_init(&b, 1);
	assert_int_equal(lsnbuf_push(&b, item(1), false, &gone), 0);
	assert_int_equal(lsnbuf_push(&b, item(2), false, &gone), 1);
	assert_int_equal(lsnbuf_push(&b, item(3), true, &gone), 1);
	order(&b, s);
	assert_string_equal(s, "3");
	assert_int_equal(b.dropped, 2);
	lsnbuf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fifo_and_head),
	    cmocka_unit_test(test_overflow_drops_oldest),
	    cmocka_unit_test(test_wrap_and_grow),
	    cmocka_unit_test(test_smaller_max),
	    cmocka_unit_test(test_size_one),
	};

	return cmocka_run_group_tests_name("lsnbuf", tests, NULL, NULL);
}
