/*
 * api.h: what the SQL-facing files share: argument unpacking that turns a
 * NULL into the 22023 naming the parameter, and the user_profile row.
 */
#ifndef USERSERVICE_API_H
#define USERSERVICE_API_H

#include "postgres.h"

#include "fmgr.h"
#include "utils/jsonb.h"

#include "log_privacy.h"
#include "page.h"
#include "user_store.h"

extern text *us_arg_text(FunctionCallInfo fcinfo, int argno, const char *name);
extern int64 us_arg_int64(FunctionCallInfo fcinfo, int argno, const char *name);
extern Jsonb *us_arg_jsonb(FunctionCallInfo fcinfo, int argno, const char *name);

/*
 * A function that takes a password refuses a read-only transaction before it
 * reads anything (25006, which PostgREST answers with 405): PostgREST runs
 * every GET read-only, and a GET carries the password in its URL, into access
 * logs. On a standby, PT503: it cannot count failed attempts. Call it after
 * us_hide_statement_begin, so that the refusal does not log the statement.
 */
extern void us_refuse_read_only(const char *function);


/* The paging arguments (page.h); 22023 naming the argument when out of range. */
extern void us_arg_page(FunctionCallInfo fcinfo, int size_argno, int after_argno,
						int skip_argno, PageArgs *page);

/*
 * A datum of the function's composite result type from natts values/nulls
 * (an error unless the type has natts columns). The result TupleDesc is
 * looked up once per call site and kept in fn_extra.
 */
extern Datum us_composite_result(FunctionCallInfo fcinfo, Datum *values, bool *nulls, int natts);

/* A userservice.user_profile datum (the function's result type) for row. */
extern Datum us_user_profile_datum(FunctionCallInfo fcinfo, const UserRow *row);

#endif
