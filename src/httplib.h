/*
 * httplib.h: libmicrohttpd, GnuTLS's SHA-1 and xmlrpc-c, reached through
 * one table of pointers that httplib_load() fills with dlopen(3) and
 * dlsym(3) at the first HTTP connection (or at start-up with
 * [inet_http_server]): tendd does not link them, so a tendd nobody asks
 * over HTTP maps none of them (they and what they pull in, GnuTLS,
 * p11-kit, nettle, gmp..., cost ~0.9 MB of PSS per tendd).
 *
 * http.c and the xmlrpc rooms include this after their library headers;
 * the macros at the bottom turn each call into a call through the table,
 * so none is referenced directly and the link cannot pull a library back.
 * Nothing here may be called before httplib_load() succeeded.
 */
#ifndef TEND_HTTPLIB_H
#define TEND_HTTPLIB_H

#include <gnutls/crypto.h>
#include <microhttpd.h>
#include <xmlrpc-c/base.h>

#include <stddef.h>

/* Every function used, with the library that defines it (HTTPLIB_*). */
#define HTTPLIB_FUNCS(X)                                                   \
	X(MHD, MHD_add_connection)                                         \
	X(MHD, MHD_add_response_header)                                    \
	X(MHD, MHD_basic_auth_get_username_password)                       \
	X(MHD, MHD_create_response_from_buffer)                            \
	X(MHD, MHD_create_response_from_callback)                          \
	X(MHD, MHD_destroy_response)                                       \
	X(MHD, MHD_free)                                                   \
	X(MHD, MHD_get_connection_info)                                    \
	X(MHD, MHD_get_daemon_info)                                        \
	X(MHD, MHD_get_timeout)                                            \
	X(MHD, MHD_lookup_connection_value)                                \
	X(MHD, MHD_queue_basic_auth_fail_response)                         \
	X(MHD, MHD_queue_response)                                         \
	X(MHD, MHD_resume_connection)                                      \
	X(MHD, MHD_run)                                                    \
	X(MHD, MHD_start_daemon)                                           \
	X(MHD, MHD_stop_daemon)                                            \
	X(MHD, MHD_suspend_connection)                                     \
	X(GNUTLS, gnutls_hash_fast)                                        \
	X(GNUTLS, gnutls_hmac_fast)                                        \
	X(XMLRPC, xmlrpc_array_append_item)                                \
	X(XMLRPC, xmlrpc_array_new)                                        \
	X(XMLRPC, xmlrpc_array_read_item)                                  \
	X(XMLRPC, xmlrpc_array_size)                                       \
	X(XMLRPC, xmlrpc_bool_new)                                         \
	X(XMLRPC, xmlrpc_build_value)                                      \
	X(XMLRPC, xmlrpc_DECREF)                                           \
	X(XMLRPC, xmlrpc_int_new)                                          \
	X(XMLRPC, xmlrpc_parse_call)                                       \
	X(XMLRPC, xmlrpc_read_bool)                                        \
	X(XMLRPC, xmlrpc_read_int)                                         \
	X(XMLRPC, xmlrpc_read_string)                                      \
	X(XMLRPC, xmlrpc_serialize_fault)                                  \
	X(XMLRPC, xmlrpc_serialize_response)                               \
	X(XMLRPC, xmlrpc_string_new)                                       \
	X(XMLRPC, xmlrpc_string_new_lp)                                    \
	X(XMLRPC, xmlrpc_struct_find_value)                                \
	X(XMLRPC, xmlrpc_struct_new)                                       \
	X(XMLRPC, xmlrpc_struct_set_value)                                 \
	X(XMLRPC, xmlrpc_value_type)                                       \
	X(XMLRPC_UTIL, xmlrpc_env_clean)                                   \
	X(XMLRPC_UTIL, xmlrpc_env_init)                                    \
	X(XMLRPC_UTIL, xmlrpc_env_set_fault)                               \
	X(XMLRPC_UTIL, xmlrpc_faultf)                                      \
	X(XMLRPC, xmlrpc_limit_set)                                        \
	X(XMLRPC_UTIL, xmlrpc_mem_block_contents)                          \
	X(XMLRPC_UTIL, xmlrpc_mem_block_free)                              \
	X(XMLRPC_UTIL, xmlrpc_mem_block_new)                               \
	X(XMLRPC_UTIL, xmlrpc_mem_block_size)

#define HTTPLIB_MEMBER(lib, name) __typeof__(name) *name;
struct httplib {
	HTTPLIB_FUNCS(HTTPLIB_MEMBER)
};
#undef HTTPLIB_MEMBER

extern struct httplib httplib;

/* Load the libraries once: 0, or -1 with ERR naming the library or the
 * symbol (a failure is remembered: later calls fail at once, same ERR). */
int httplib_load(char *err, size_t errlen);

#ifndef HTTPLIB_IMPL
#define MHD_add_connection (*httplib.MHD_add_connection)
#define MHD_add_response_header (*httplib.MHD_add_response_header)
#define MHD_basic_auth_get_username_password                              \
	(*httplib.MHD_basic_auth_get_username_password)
#define MHD_create_response_from_buffer                                   \
	(*httplib.MHD_create_response_from_buffer)
#define MHD_create_response_from_callback                                 \
	(*httplib.MHD_create_response_from_callback)
#define MHD_destroy_response (*httplib.MHD_destroy_response)
#define MHD_free (*httplib.MHD_free)
#define MHD_get_connection_info (*httplib.MHD_get_connection_info)
#define MHD_get_daemon_info (*httplib.MHD_get_daemon_info)
#define MHD_get_timeout (*httplib.MHD_get_timeout)
#define MHD_lookup_connection_value (*httplib.MHD_lookup_connection_value)
#define MHD_queue_basic_auth_fail_response                                \
	(*httplib.MHD_queue_basic_auth_fail_response)
#define MHD_queue_response (*httplib.MHD_queue_response)
#define MHD_resume_connection (*httplib.MHD_resume_connection)
#define MHD_run (*httplib.MHD_run)
#define MHD_start_daemon (*httplib.MHD_start_daemon)
#define MHD_stop_daemon (*httplib.MHD_stop_daemon)
#define MHD_suspend_connection (*httplib.MHD_suspend_connection)
#define gnutls_hash_fast (*httplib.gnutls_hash_fast)
#define gnutls_hmac_fast (*httplib.gnutls_hmac_fast)
#define xmlrpc_array_append_item (*httplib.xmlrpc_array_append_item)
#define xmlrpc_array_new (*httplib.xmlrpc_array_new)
#define xmlrpc_array_read_item (*httplib.xmlrpc_array_read_item)
#define xmlrpc_array_size (*httplib.xmlrpc_array_size)
#define xmlrpc_bool_new (*httplib.xmlrpc_bool_new)
#define xmlrpc_build_value (*httplib.xmlrpc_build_value)
#define xmlrpc_DECREF (*httplib.xmlrpc_DECREF)
#define xmlrpc_int_new (*httplib.xmlrpc_int_new)
#define xmlrpc_parse_call (*httplib.xmlrpc_parse_call)
#define xmlrpc_read_bool (*httplib.xmlrpc_read_bool)
#define xmlrpc_read_int (*httplib.xmlrpc_read_int)
#define xmlrpc_read_string (*httplib.xmlrpc_read_string)
#define xmlrpc_serialize_fault (*httplib.xmlrpc_serialize_fault)
#define xmlrpc_serialize_response (*httplib.xmlrpc_serialize_response)
#define xmlrpc_string_new (*httplib.xmlrpc_string_new)
#define xmlrpc_string_new_lp (*httplib.xmlrpc_string_new_lp)
#define xmlrpc_struct_find_value (*httplib.xmlrpc_struct_find_value)
#define xmlrpc_struct_new (*httplib.xmlrpc_struct_new)
#define xmlrpc_struct_set_value (*httplib.xmlrpc_struct_set_value)
#define xmlrpc_value_type (*httplib.xmlrpc_value_type)
#define xmlrpc_env_clean (*httplib.xmlrpc_env_clean)
#define xmlrpc_env_init (*httplib.xmlrpc_env_init)
#define xmlrpc_env_set_fault (*httplib.xmlrpc_env_set_fault)
#define xmlrpc_faultf (*httplib.xmlrpc_faultf)
#define xmlrpc_limit_set (*httplib.xmlrpc_limit_set)
#define xmlrpc_mem_block_contents (*httplib.xmlrpc_mem_block_contents)
#define xmlrpc_mem_block_free (*httplib.xmlrpc_mem_block_free)
#define xmlrpc_mem_block_new (*httplib.xmlrpc_mem_block_new)
#define xmlrpc_mem_block_size (*httplib.xmlrpc_mem_block_size)
#endif

#endif
