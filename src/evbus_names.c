/*
 * evbus_names.c: supervisord's event type names and supertypes, and the
 * `events=` list of a listener parsed into a mask (evbus.h).
 *
 * Pure, so the config loader (libtend.a) can parse `events=` without
 * the rest of evbus.c, which runs on tendd's loop (subscriptions, tick
 * timers, the publishers).
 */
#include "tend.h"
#include "evbus.h"

#include <stdio.h>
#include <string.h>

/* supervisord's EventTypes names, in enum evbus_type order. */
static const char *const evbus_names[EVT__COUNT] = {
    [EVT_PROCESS_STATE_STOPPED] = "PROCESS_STATE_STOPPED",
    [EVT_PROCESS_STATE_STARTING] = "PROCESS_STATE_STARTING",
    [EVT_PROCESS_STATE_RUNNING] = "PROCESS_STATE_RUNNING",
    [EVT_PROCESS_STATE_BACKOFF] = "PROCESS_STATE_BACKOFF",
    [EVT_PROCESS_STATE_STOPPING] = "PROCESS_STATE_STOPPING",
    [EVT_PROCESS_STATE_EXITED] = "PROCESS_STATE_EXITED",
    [EVT_PROCESS_STATE_FATAL] = "PROCESS_STATE_FATAL",
    [EVT_PROCESS_STATE_UNKNOWN] = "PROCESS_STATE_UNKNOWN",
    [EVT_REMOTE_COMMUNICATION] = "REMOTE_COMMUNICATION",
    [EVT_PROCESS_LOG_STDOUT] = "PROCESS_LOG_STDOUT",
    [EVT_PROCESS_LOG_STDERR] = "PROCESS_LOG_STDERR",
    [EVT_PROCESS_COMMUNICATION_STDOUT] = "PROCESS_COMMUNICATION_STDOUT",
    [EVT_PROCESS_COMMUNICATION_STDERR] = "PROCESS_COMMUNICATION_STDERR",
    [EVT_SUPERVISOR_STATE_CHANGE_RUNNING] = "SUPERVISOR_STATE_CHANGE_RUNNING",
    [EVT_SUPERVISOR_STATE_CHANGE_STOPPING] = "SUPERVISOR_STATE_CHANGE_STOPPING",
    [EVT_TICK_5] = "TICK_5",
    [EVT_TICK_60] = "TICK_60",
    [EVT_TICK_3600] = "TICK_3600",
    [EVT_PROCESS_GROUP_ADDED] = "PROCESS_GROUP_ADDED",
    [EVT_PROCESS_GROUP_REMOVED] = "PROCESS_GROUP_REMOVED",
};

/* The abstract types of events.py: each stands for its subclasses. */
static const struct {
	const char *name;
	uint32_t mask;
} evbus_supertypes[] = {
    {"EVENT", (uint32_t)((1ULL << EVT__COUNT) - 1)},
    {"PROCESS_STATE", EVBUS_PROCESS_STATE_MASK},
    {"PROCESS_LOG",
        EVBUS_BIT(EVT_PROCESS_LOG_STDOUT) | EVBUS_BIT(EVT_PROCESS_LOG_STDERR)},
    {"PROCESS_COMMUNICATION", EVBUS_BIT(EVT_PROCESS_COMMUNICATION_STDOUT) |
                                  EVBUS_BIT(EVT_PROCESS_COMMUNICATION_STDERR)},
    {"SUPERVISOR_STATE_CHANGE",
        EVBUS_BIT(EVT_SUPERVISOR_STATE_CHANGE_RUNNING) |
            EVBUS_BIT(EVT_SUPERVISOR_STATE_CHANGE_STOPPING)},
    {"TICK", EVBUS_TICK_MASK},
    {"PROCESS_GROUP", EVBUS_BIT(EVT_PROCESS_GROUP_ADDED) |
                          EVBUS_BIT(EVT_PROCESS_GROUP_REMOVED)},
};

/* --- names and masks ---------------------------------------------------- */

const char *
evbus_name(enum evbus_type t)
{
	if ((int)t < 0 || t >= EVT__COUNT)
		return "UNKNOWN";
	return evbus_names[t];
}

/* The mask of one name (concrete or abstract), 0 if unknown. */
static uint32_t
evbus_mask_of(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < EVT__COUNT; i++)
		if (strlen(evbus_names[i]) == len &&
		    memcmp(evbus_names[i], name, len) == 0)
			return EVBUS_BIT(i);
	for (i = 0; i < sizeof(evbus_supertypes) / sizeof(*evbus_supertypes);
	     i++)
		if (strlen(evbus_supertypes[i].name) == len &&
		    memcmp(evbus_supertypes[i].name, name, len) == 0)
			return evbus_supertypes[i].mask;
	return 0;
}

/* supervisord's list_of_strings: split on commas, strip each item;
 * empty items are skipped (an empty list subscribes to nothing). */
uint32_t
evbus_mask_parse(const char *list, char *bad, size_t badlen)
{
	uint32_t mask = 0, m;
	const char *s = list, *e, *end;

	if (bad != NULL && badlen > 0)
		bad[0] = '\0';
	while (s != NULL && *s != '\0') {
		e = strchr(s, ',');
		end = e != NULL ? e : s + strlen(s);
		while (s < end && (*s == ' ' || *s == '\t' || *s == '\n'))
			s++;
		while (end > s &&
		       (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n'))
			end--;
		if (end > s) {
			m = evbus_mask_of(s, (size_t)(end - s));
			if (m == 0) {
				if (bad != NULL && badlen > 0)
					(void)snprintf(bad, badlen, "%.*s",
					    (int)(end - s), s);
				return 0;
			}
			mask |= m;
		}
		s = e != NULL ? e + 1 : NULL;
	}
	return mask;
}

