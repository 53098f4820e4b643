/*
 * xmlrpc.c: supervisord's XML-RPC interface (API 3.0) inside tendd.
 *
 * Owns: decoding a call (xmlrpc-c's parser), the method table (names,
 * signatures, help: system.listMethods, methodHelp, methodSignature
 * read it), dispatch, supervisord's fault codes and strings, multicall,
 * and serializing the response.  It does no I/O: http.c hands it a body
 * and takes back the XML.
 *
 * A method either answers before it returns (xr_return / xr_fault) or
 * later, from a state change, through the same two calls: supervisord
 * returns NOT_DONE_YET and polls; tendd is told.  system.multicall runs
 * its calls one after another, as supervisord does, each waiting for the
 * one before; results are the bare values or fault structs (supervisord's
 * shape, not the single-item arrays its docstring promises).
 */
#include "xmlrpc_impl.h"
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


/* Larger bodies are refused by http.c before they get here. */
#define XR_NESTING_MAX 16

static const struct {
	int code;
	const char *name;
} xr_fault_names[] = {
    {XR_UNKNOWN_METHOD, "UNKNOWN_METHOD"},
    {XR_INCORRECT_PARAMETERS, "INCORRECT_PARAMETERS"},
    {XR_BAD_ARGUMENTS, "BAD_ARGUMENTS"},
    {XR_SIGNATURE_UNSUPPORTED, "SIGNATURE_UNSUPPORTED"},
    {XR_SHUTDOWN_STATE, "SHUTDOWN_STATE"},
    {XR_BAD_NAME, "BAD_NAME"},
    {XR_BAD_SIGNAL, "BAD_SIGNAL"},
    {XR_NO_FILE, "NO_FILE"},
    {XR_NOT_EXECUTABLE, "NOT_EXECUTABLE"},
    {XR_FAILED, "FAILED"},
    {XR_ABNORMAL_TERMINATION, "ABNORMAL_TERMINATION"},
    {XR_SPAWN_ERROR, "SPAWN_ERROR"},
    {XR_ALREADY_STARTED, "ALREADY_STARTED"},
    {XR_NOT_RUNNING, "NOT_RUNNING"},
    {XR_SUCCESS, "SUCCESS"},
    {XR_ALREADY_ADDED, "ALREADY_ADDED"},
    {XR_STILL_RUNNING, "STILL_RUNNING"},
    {XR_CANT_REREAD, "CANT_REREAD"},
};

struct xr_method {
	const char *name;
	xr_fn *fn;
	int minargs, maxargs;
	const char *sig; /* return type, then parameter types */
	const char *help;
};

static const struct xr_method *xr_find(const char *name);
static void xr_dispatch(struct xmlrpc_call *c, const char *name,
    xmlrpc_value *params);

static struct {
	const char *identification;
} xr = {NULL};

void
xmlrpc_set_identification(const char *id)
{
	xr.identification = id;
}

const char *
xr_fault_name(int code)
{
	size_t i;

	for (i = 0; i < TEND_NELEM(xr_fault_names); i++)
		if (xr_fault_names[i].code == code)
			return xr_fault_names[i].name;
	return "UNKNOWN";
}

/* --- completion ------------------------------------------------------ */

static void xr_finish(
    struct xmlrpc_call *c, xmlrpc_value *v, int code, const char *text);
static void mc_advance(struct xmlrpc_call *mc);

static void
xr_free(struct xmlrpc_call *c)
{
	if (c->calls != NULL)
		xmlrpc_DECREF(c->calls);
	if (c->results != NULL)
		xmlrpc_DECREF(c->results);
	free(c);
}

/* Serialize the top call's answer and hand it to the HTTP room. */
static void
xr_reply(struct xmlrpc_call *c, xmlrpc_value *v, int code, const char *text)
{
	xmlrpc_env env, fenv;
	xmlrpc_mem_block *mb;
	char *xml = NULL;
	size_t len = 0;

	xmlrpc_env_init(&env);
	mb = xmlrpc_mem_block_new(&env, 0);
	if (!env.fault_occurred) {
		if (v != NULL)
			xmlrpc_serialize_response(&env, mb, v);
		else {
			xmlrpc_env_init(&fenv);
			xmlrpc_env_set_fault(&fenv, code, text);
			xmlrpc_serialize_fault(&env, mb, &fenv);
			xmlrpc_env_clean(&fenv);
		}
	}
	if (!env.fault_occurred) {
		len = XMLRPC_MEMBLOCK_SIZE(char, mb);
		if ((xml = malloc(len + 1)) != NULL) {
			memcpy(xml, XMLRPC_MEMBLOCK_CONTENTS(char, mb), len);
			xml[len] = '\0';
		}
	} else
		log_warnx("XML-RPC: cannot serialize a reply: %s",
		    env.fault_string);
	if (mb != NULL)
		xmlrpc_mem_block_free(mb);
	xmlrpc_env_clean(&env);
	if (xml == NULL) {
		/* Still an answer the client can read. */
		const char *oom = "<?xml version=\"1.0\"?>\r\n<methodResponse>"
		                  "<fault><value><struct><member><name>faultCode"
		                  "</name><value><int>30</int></value></member>"
		                  "<member><name>faultString</name><value>"
		                  "<string>FAILED: out of memory</string></value>"
		                  "</member></struct></value></fault>"
		                  "</methodResponse>\r\n";
		len = strlen(oom);
		if ((xml = strdup(oom)) == NULL)
			len = 0;
	}
	c->done(c->arg, xml, len);
}

/* C's answer: V (a new reference, taken) or the fault CODE, TEXT. */
static void
xr_finish(struct xmlrpc_call *c, xmlrpc_value *v, int code, const char *text)
{
	struct xmlrpc_call *mc = c->parent;
	xmlrpc_env env;

	c->finished = true;
	if (mc == NULL) {
		xr_reply(c, v, code, text);
		if (v != NULL)
			xmlrpc_DECREF(v);
		if (!c->running)
			xr_free(c);
		return;
	}
	xmlrpc_env_init(&env);
	if (v == NULL)
		v = xmlrpc_build_value(&env, "{s:i,s:s}", "faultCode", code,
		    "faultString", text);
	if (!env.fault_occurred)
		xmlrpc_array_append_item(&env, mc->results, v);
	if (v != NULL)
		xmlrpc_DECREF(v);
	xmlrpc_env_clean(&env);
	mc->sub = NULL;
	xr_free(c);
	if (!mc->looping)
		mc_advance(mc);
}

void
xr_return(struct xmlrpc_call *c, xmlrpc_env *env, xmlrpc_value *v)
{
	char text[300];

	if (env->fault_occurred || v == NULL) {
		(void)snprintf(text, sizeof(text), "FAILED: %s",
		    env->fault_string != NULL ? env->fault_string
		                              : "out of memory");
		if (v != NULL)
			xmlrpc_DECREF(v);
		xr_finish(c, NULL, XR_FAILED, text);
		return;
	}
	xr_finish(c, v, 0, NULL);
}

void
xr_fault(struct xmlrpc_call *c, int code, const char *fmt, ...)
{
	char extra[400], text[480];
	va_list ap;

	if (fmt == NULL) {
		xr_finish(c, NULL, code, xr_fault_name(code));
		return;
	}
	va_start(ap, fmt);
	(void)vsnprintf(extra, sizeof(extra), fmt, ap);
	va_end(ap);
	(void)snprintf(text, sizeof(text), "%s: %s", xr_fault_name(code), extra);
	xr_finish(c, NULL, code, text);
}

/* --- arguments --------------------------------------------------------- */

/* Parameter I of P if it is there and of TYPE (a new reference in *V);
 * false: C has been answered. */
static bool
xr_arg(struct xmlrpc_call *c, xmlrpc_env *env, xmlrpc_value *p, int i,
    xmlrpc_type type, xmlrpc_value **v)
{
	*v = NULL;
	if (i >= xmlrpc_array_size(env, p))
		return true; /* an optional one, left out */
	xmlrpc_array_read_item(env, p, i, v);
	if (!env->fault_occurred && xmlrpc_value_type(*v) == type)
		return true;
	if (*v != NULL)
		xmlrpc_DECREF(*v);
	*v = NULL;
	xr_fault(c, XR_INCORRECT_PARAMETERS, NULL);
	return false;
}

bool
xr_arg_str(struct xmlrpc_call *c, xmlrpc_env *env, xmlrpc_value *p, int i,
    char **out)
{
	xmlrpc_value *v;
	const char *s;

	if (!xr_arg(c, env, p, i, XMLRPC_TYPE_STRING, &v))
		return false;
	if (v == NULL)
		return true;
	xmlrpc_read_string(env, v, &s);
	xmlrpc_DECREF(v);
	if (env->fault_occurred) {
		xr_fault(c, XR_INCORRECT_PARAMETERS, NULL);
		return false;
	}
	free(*out);
	*out = (char *)s;
	return true;
}

bool
xr_arg_int(struct xmlrpc_call *c, xmlrpc_env *env, xmlrpc_value *p, int i,
    int *out)
{
	xmlrpc_value *v;

	if (!xr_arg(c, env, p, i, XMLRPC_TYPE_INT, &v))
		return false;
	if (v != NULL) {
		xmlrpc_read_int(env, v, out);
		xmlrpc_DECREF(v);
	}
	return true;
}

bool
xr_arg_bool(struct xmlrpc_call *c, xmlrpc_env *env, xmlrpc_value *p, int i,
    bool *out)
{
	xmlrpc_value *v;
	xmlrpc_bool b;

	if (!xr_arg(c, env, p, i, XMLRPC_TYPE_BOOL, &v))
		return false;
	if (v != NULL) {
		xmlrpc_read_bool(env, v, &b);
		*out = b != 0;
		xmlrpc_DECREF(v);
	}
	return true;
}

/* --- system.* ---------------------------------------------------------- */

static const struct xr_method xr_methods[];
static const size_t xr_nmethods;

static void
sys_list_methods(struct xmlrpc_call *c, xmlrpc_env *env, xmlrpc_value *p)
{
	xmlrpc_value *a, *s;
	size_t i;

	a = xmlrpc_array_new(env);
	for (i = 0; i < xr_nmethods && !env->fault_occurred; i++) {
		s = xmlrpc_string_new(env, xr_methods[i].name);
		if (env->fault_occurred)
			break;
		xmlrpc_array_append_item(env, a, s);
		xmlrpc_DECREF(s);
	}
	xr_return(c, env, a);
}

static void
sys_method_help(struct xmlrpc_call *c, xmlrpc_env *env, xmlrpc_value *p)
{
	const struct xr_method *m;
	char *name = NULL;

	if (!xr_arg_str(c, env, p, 0, &name))
		return;
	m = xr_find(name);
	free(name);
	if (m == NULL) {
		xr_fault(c, XR_SIGNATURE_UNSUPPORTED, NULL);
		return;
	}
	xr_return(c, env, xmlrpc_string_new(env, m->help));
}

static void
sys_method_signature(struct xmlrpc_call *c, xmlrpc_env *env, xmlrpc_value *p)
{
	const struct xr_method *m;
	const char *s, *e;
	char *name = NULL;
	xmlrpc_value *a, *t;

	if (!xr_arg_str(c, env, p, 0, &name))
		return;
	m = xr_find(name);
	free(name);
	if (m == NULL) {
		xr_fault(c, XR_SIGNATURE_UNSUPPORTED, NULL);
		return;
	}
	a = xmlrpc_array_new(env);
	for (s = m->sig; *s != '\0' && !env->fault_occurred; s = e) {
		if ((e = strchr(s, ' ')) == NULL)
			e = s + strlen(s);
		t = xmlrpc_string_new_lp(env, (size_t)(e - s), s);
		if (env->fault_occurred)
			break;
		xmlrpc_array_append_item(env, a, t);
		xmlrpc_DECREF(t);
		if (*e == ' ')
			e++;
	}
	xr_return(c, env, a);
}

/* Run the next calls of multicall MC until one has to wait; finish MC
 * when none is left. */
static void
mc_advance(struct xmlrpc_call *mc)
{
	xmlrpc_env env;
	xmlrpc_value *call, *name, *params;
	struct xmlrpc_call *sub;
	const char *mname;

	mc->looping = true;
	while (mc->sub == NULL && mc->next < mc->ncalls) {
		if ((sub = calloc(1, sizeof(*sub))) == NULL) {
			mc->looping = false;
			xr_fault(mc, XR_FAILED, "out of memory");
			return;
		}
		sub->parent = mc;
		mc->sub = sub;
		xmlrpc_env_init(&env);
		call = name = params = NULL;
		xmlrpc_array_read_item(&env, mc->calls, mc->next++, &call);
		mname = NULL;
		if (!env.fault_occurred &&
		    xmlrpc_value_type(call) == XMLRPC_TYPE_STRUCT) {
			xmlrpc_struct_find_value(&env, call, "methodName", &name);
			if (!env.fault_occurred)
				xmlrpc_struct_find_value(
				    &env, call, "params", &params);
		}
		if (!env.fault_occurred && name != NULL &&
		    xmlrpc_value_type(name) == XMLRPC_TYPE_STRING)
			xmlrpc_read_string(&env, name, &mname);
		if (env.fault_occurred || mname == NULL)
			xr_fault(sub, XR_INCORRECT_PARAMETERS, "No methodName");
		else if (strcmp(mname, "system.multicall") == 0)
			xr_fault(sub, XR_INCORRECT_PARAMETERS,
			    "Recursive system.multicall forbidden");
		else if (params != NULL &&
		         xmlrpc_value_type(params) != XMLRPC_TYPE_ARRAY)
			xr_fault(sub, XR_INCORRECT_PARAMETERS, NULL);
		else
			xr_dispatch(sub, mname, params);
		free((char *)mname);
		if (name != NULL)
			xmlrpc_DECREF(name);
		if (params != NULL)
			xmlrpc_DECREF(params);
		if (call != NULL)
			xmlrpc_DECREF(call);
		xmlrpc_env_clean(&env);
	}
	mc->looping = false;
	if (mc->sub == NULL && mc->next >= mc->ncalls) {
		xmlrpc_value *r = mc->results;

		mc->results = NULL;
		xr_finish(mc, r, 0, NULL);
	}
}

static void
mc_cancel(struct xmlrpc_call *mc)
{
	struct xmlrpc_call *sub = mc->sub;

	if (sub != NULL && sub->cancel != NULL)
		sub->cancel(sub);
	if (sub != NULL)
		xr_free(sub);
	mc->sub = NULL;
}

static void
sys_multicall(struct xmlrpc_call *c, xmlrpc_env *env, xmlrpc_value *p)
{
	xmlrpc_value *calls;

	xmlrpc_array_read_item(env, p, 0, &calls);
	if (env->fault_occurred) {
		xr_fault(c, XR_INCORRECT_PARAMETERS, NULL);
		return;
	}
	if (xmlrpc_value_type(calls) != XMLRPC_TYPE_ARRAY) {
		xmlrpc_DECREF(calls);
		xr_fault(c, XR_INCORRECT_PARAMETERS, NULL);
		return;
	}
	c->calls = calls;
	c->ncalls = xmlrpc_array_size(env, calls);
	c->results = xmlrpc_array_new(env);
	if (env->fault_occurred) {
		xr_fault(c, XR_FAILED, "out of memory");
		return;
	}
	c->cancel = mc_cancel;
	mc_advance(c);
}

/* --- supervisor.*: tendd itself ----------------------------------------- */

static void
sv_api_version(struct xmlrpc_call *c, xmlrpc_env *env, xmlrpc_value *p)
{
	xr_return(c, env, xmlrpc_string_new(env, "3.0"));
}

static void
sv_supervisor_version(struct xmlrpc_call *c, xmlrpc_env *env, xmlrpc_value *p)
{
	xr_return(c, env, xmlrpc_string_new(env, PACKAGE_VERSION));
}

static void
sv_identification(struct xmlrpc_call *c, xmlrpc_env *env, xmlrpc_value *p)
{
	xr_return(c, env,
	    xmlrpc_string_new(env, xr.identification != NULL ? xr.identification
	                                                     : "supervisor"));
}

static void
sv_pid(struct xmlrpc_call *c, xmlrpc_env *env, xmlrpc_value *p)
{
	xr_return(c, env, xmlrpc_int_new(env, (int)getpid()));
}

/* --- the table --------------------------------------------------------- */

/* Sorted by name: system.listMethods lists it in this order, as
 * supervisord sorts its own. */
static const struct xr_method xr_methods[] = {
    {"supervisor.addProcessGroup", sv_add_group, 1, 1, "boolean string",
        "Add the processes of a group or program that the config file has and the running set lacks (tendctl add).\n"
        "@param string name\n"
        "@return boolean result"},
    {"supervisor.clearAllProcessLogs", sv_clear_all_logs, 0, 0, "array",
        "Clear the log files of every process.\n"
        "@return array result {name, group, status, description} per process"},
    {"supervisor.clearLog", sv_clear_log, 0, 0, "boolean",
        "Truncate tendd's own log file.\n"
        "@return boolean result"},
    {"supervisor.clearProcessLog", sv_clear_process_logs, 1, 1, "boolean string",
        "Deprecated name of clearProcessLogs.\n"
        "@param string name\n"
        "@return boolean result"},
    {"supervisor.clearProcessLogs", sv_clear_process_logs, 1, 1, "boolean string",
        "Clear a process's stdout and stderr log files.\n"
        "@param string name\n"
        "@return boolean result"},
    {"supervisor.getAPIVersion", sv_api_version, 0, 0, "string",
        "The version of the XML-RPC API: 3.0, supervisord's.\n"
        "@return string version"},
    {"supervisor.getAllConfigInfo", sv_all_config_info, 0, 0, "array",
        "The configuration of every process.\n"
        "@return array result one struct per process"},
    {"supervisor.getAllProcessInfo", sv_all_process_info, 0, 0, "array",
        "getProcessInfo of every process, by group and name.\n"
        "@return array result"},
    {"supervisor.getIdentification", sv_identification, 0, 0, "string",
        "The identifier= of [supervisord] or [tend].\n"
        "@return string identifier"},
    {"supervisor.getPID", sv_pid, 0, 0, "int",
        "tendd's process id.\n"
        "@return int PID"},
    {"supervisor.getProcessInfo", sv_process_info, 1, 1, "struct string",
        "A process's state: name, group, description, start, stop, now, state, statename, spawnerr, exitstatus, logfile, stdout_logfile, stderr_logfile, pid.\n"
        "@param string name GROUP:NAME, or NAME of an ungrouped program\n"
        "@return struct result"},
    {"supervisor.getState", sv_state, 0, 0, "struct",
        "tendd's state: statecode 1 RUNNING, -1 SHUTDOWN.\n"
        "@return struct A struct with keys int statecode, string statename"},
    {"supervisor.getSupervisorVersion", sv_supervisor_version, 0, 0, "string",
        "tend's version.\n"
        "@return string version"},
    {"supervisor.getVersion", sv_api_version, 0, 0, "string",
        "Deprecated name of getAPIVersion.\n"
        "@return string version"},
    {"supervisor.readLog", sv_read_log, 2, 2, "string int int",
        "Read tendd's own log: LENGTH bytes from OFFSET (0: to the end), or the last -OFFSET bytes with LENGTH 0.\n"
        "@param int offset\n"
        "@param int length\n"
        "@return string result"},
    {"supervisor.readMainLog", sv_read_log, 2, 2, "string int int",
        "Deprecated name of readLog.\n"
        "@param int offset\n"
        "@param int length\n"
        "@return string result"},
    {"supervisor.readProcessLog", sv_read_stdout, 3, 3, "string string int int",
        "Deprecated name of readProcessStdoutLog.\n"
        "@param string name\n"
        "@param int offset\n"
        "@param int length\n"
        "@return string result"},
    {"supervisor.readProcessStderrLog", sv_read_stderr, 3, 3, "string string int int",
        "Read a process's stderr log, as readLog.\n"
        "@param string name\n"
        "@param int offset\n"
        "@param int length\n"
        "@return string result"},
    {"supervisor.readProcessStdoutLog", sv_read_stdout, 3, 3, "string string int int",
        "Read a process's stdout log, as readLog.\n"
        "@param string name\n"
        "@param int offset\n"
        "@param int length\n"
        "@return string result"},
    {"supervisor.reloadConfig", sv_reload_config, 0, 0, "array",
        "Read the config file again and compare: the groups it would add, change and remove. Nothing changes.\n"
        "@return array result [[added, changed, removed]]"},
    {"supervisor.removeProcessGroup", sv_remove_group, 1, 1, "boolean string",
        "Remove a stopped group or program from the running set (tendctl remove).\n"
        "@param string name\n"
        "@return boolean result"},
    {"supervisor.restart", sv_restart, 0, 0, "boolean",
        "Reload the config (tendctl reload): processes whose config did not change keep running.\n"
        "@return boolean result"},
    {"supervisor.sendProcessStdin", sv_send_stdin, 2, 2, "boolean string string",
        "Write chars to the process's stdin (a pipe: stdin_pipe= in tend.conf(5)).\n"
        "@param string name\n"
        "@param string chars\n"
        "@return boolean result"},
    {"supervisor.sendRemoteCommEvent", sv_send_comm_event, 2, 2, "boolean string string",
        "tend has no event listeners: accepted, nobody is told.\n"
        "@param string type\n"
        "@param string data\n"
        "@return boolean result"},
    {"supervisor.shutdown", sv_shutdown, 0, 0, "boolean",
        "Stop every process and exit.\n"
        "@return boolean result"},
    {"supervisor.signalAllProcesses", sv_signal_all, 1, 1, "array string",
        "Send a signal to every running process.\n"
        "@param string signal name or number\n"
        "@return array result"},
    {"supervisor.signalProcess", sv_signal, 2, 2, "boolean string string",
        "Send a signal to a process.\n"
        "@param string name\n"
        "@param string signal name or number\n"
        "@return boolean result"},
    {"supervisor.signalProcessGroup", sv_signal_group, 2, 2, "array string string",
        "Send a signal to a group's running processes.\n"
        "@param string name\n"
        "@param string signal name or number\n"
        "@return array result"},
    {"supervisor.startAllProcesses", sv_start_all, 0, 1, "array boolean",
        "Start every process that is not running.\n"
        "@param boolean wait wait until each is RUNNING (default true)\n"
        "@return array result"},
    {"supervisor.startProcess", sv_start, 1, 2, "boolean string boolean",
        "Start a process (GROUP:* a group).\n"
        "@param string name\n"
        "@param boolean wait wait until it is RUNNING (default true)\n"
        "@return boolean result"},
    {"supervisor.startProcessGroup", sv_start_group, 1, 2, "array string boolean",
        "Start a group's processes.\n"
        "@param string name\n"
        "@param boolean wait (default true)\n"
        "@return array result"},
    {"supervisor.stopAllProcesses", sv_stop_all, 0, 1, "array boolean",
        "Stop every running process.\n"
        "@param boolean wait (default true)\n"
        "@return array result"},
    {"supervisor.stopProcess", sv_stop, 1, 2, "boolean string boolean",
        "Stop a process (GROUP:* a group).\n"
        "@param string name\n"
        "@param boolean wait wait until it is stopped (default true)\n"
        "@return boolean result"},
    {"supervisor.stopProcessGroup", sv_stop_group, 1, 2, "array string boolean",
        "Stop a group's processes.\n"
        "@param string name\n"
        "@param boolean wait (default true)\n"
        "@return array result"},
    {"supervisor.tailProcessLog", sv_tail_stdout, 3, 3, "array string int int",
        "Deprecated name of tailProcessStdoutLog.\n"
        "@param string name\n"
        "@param int offset\n"
        "@param int length\n"
        "@return array result"},
    {"supervisor.tailProcessStderrLog", sv_tail_stderr, 3, 3, "array string int int",
        "As tailProcessStdoutLog, of stderr.\n"
        "@param string name\n"
        "@param int offset\n"
        "@param int length\n"
        "@return array result"},
    {"supervisor.tailProcessStdoutLog", sv_tail_stdout, 3, 3, "array string int int",
        "LENGTH bytes of a process's stdout log from OFFSET, or its last LENGTH bytes (overflow true) when it has grown past OFFSET + LENGTH; the next OFFSET to ask for.\n"
        "@param string name\n"
        "@param int offset\n"
        "@param int length\n"
        "@return array result [string bytes, int offset, bool overflow]"},
    {"system.listMethods", sys_list_methods, 0, 0, "array",
        "The names of the methods, sorted.\n"
        "@return array result"},
    {"system.methodHelp", sys_method_help, 1, 1, "string string",
        "The documentation of a method.\n"
        "@param string name The name of the method.\n"
        "@return string result"},
    {"system.methodSignature", sys_method_signature, 1, 1, "array string",
        "[return type, parameter types...] of a method.\n"
        "@param string name The name of the method.\n"
        "@return array result"},
    {"system.multicall", sys_multicall, 1, 1, "array array",
        "Run an array of {methodName, params} structs in order; the result is an array of their results or fault structs.\n"
        "@param array calls\n"
        "@return array result"},
};
static const size_t xr_nmethods = TEND_NELEM(xr_methods);

static const struct xr_method *
xr_find(const char *name)
{
	size_t i;

	for (i = 0; i < xr_nmethods; i++)
		if (strcmp(xr_methods[i].name, name) == 0)
			return &xr_methods[i];
	return NULL;
}

/* Run method NAME on PARAMS (an array, NULL: none) as call C. */
static void
xr_dispatch(struct xmlrpc_call *c, const char *name, xmlrpc_value *params)
{
	const struct xr_method *m;
	xmlrpc_env env;
	xmlrpc_value *none = NULL;
	int n;

	if ((m = xr_find(name)) == NULL) {
		xr_fault(c, XR_UNKNOWN_METHOD, NULL);
		return;
	}
	xmlrpc_env_init(&env);
	if (params == NULL)
		params = none = xmlrpc_array_new(&env);
	n = env.fault_occurred ? -1 : xmlrpc_array_size(&env, params);
	/* Python raises TypeError for a wrong count; supervisord turns
	 * that into INCORRECT_PARAMETERS. */
	if (n < m->minargs || n > m->maxargs)
		xr_fault(c, XR_INCORRECT_PARAMETERS, NULL);
	else
		m->fn(c, &env, params);
	if (none != NULL)
		xmlrpc_DECREF(none);
	xmlrpc_env_clean(&env);
}

/* --- the HTTP room's entry points --------------------------------------- */

pid_t
xmlrpc_peer_pid(const struct xmlrpc_call *c)
{
	while (c->parent != NULL)
		c = c->parent;
	return c->pid;
}

uid_t
xmlrpc_peer_uid(const struct xmlrpc_call *c)
{
	while (c->parent != NULL)
		c = c->parent;
	return c->uid;
}

struct xmlrpc_call *
xmlrpc_run(const char *body, size_t len, xmlrpc_done_fn *done, void *arg,
    pid_t pid, uid_t uid)
{
	struct xmlrpc_call *c;
	xmlrpc_env env;
	const char *name = NULL;
	xmlrpc_value *params = NULL;

	xmlrpc_limit_set(XMLRPC_NESTING_LIMIT_ID, XR_NESTING_MAX);
	xmlrpc_limit_set(XMLRPC_XML_SIZE_LIMIT_ID, len + 1);
	xmlrpc_env_init(&env);
	xmlrpc_parse_call(&env, body, len, &name, &params);
	if (env.fault_occurred || name == NULL || *name == '\0') {
		/* supervisord: a body it cannot read is an HTTP 400. */
		xmlrpc_env_clean(&env);
		free((char *)name);
		if (params != NULL)
			xmlrpc_DECREF(params);
		done(arg, NULL, 0);
		return NULL;
	}
	xmlrpc_env_clean(&env);
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		free((char *)name);
		xmlrpc_DECREF(params);
		done(arg, NULL, 0);
		return NULL;
	}
	c->done = done;
	c->arg = arg;
	c->pid = pid;
	c->uid = uid;
	c->running = true;
	xr_dispatch(c, name, params);
	free((char *)name);
	xmlrpc_DECREF(params);
	c->running = false;
	if (c->finished) {
		xr_free(c);
		return NULL;
	}
	return c;
}

void
xmlrpc_cancel(struct xmlrpc_call *c)
{
	if (c == NULL)
		return;
	if (c->cancel != NULL)
		c->cancel(c);
	xr_free(c);
}
