/*
 * api.h: what the SQL-facing files share: argument unpacking that turns a
 * NULL into the 22023 naming the parameter, and the user_profile row.
 */
#ifndef USERSERVICE_API_H
#define USERSERVICE_API_H

#include "postgres.h"

#include "fmgr.h"

#include "user_store.h"

extern text *us_arg_text(FunctionCallInfo fcinfo, int argno, const char *name);
extern int64 us_arg_int64(FunctionCallInfo fcinfo, int argno, const char *name);

/*
 * The paging arguments every list function shares: page_size (default 20,
 * 1..1000), after_id (keyset cursor, NULL for the first page) and skip
 * (offset paging, default 0); 22023 naming the argument when out of range.
 */
typedef struct PageArgs
{
	int32		page_size;
	bool		has_after;
	int64		after_id;
	int64		skip;
} PageArgs;

extern void us_arg_page(FunctionCallInfo fcinfo, int size_argno, int after_argno,
						int skip_argno, PageArgs *page);

/*
 * A datum of the function's composite result type from values/nulls. The
 * result TupleDesc is looked up once per call site and kept in fn_extra.
 */
extern Datum us_composite_result(FunctionCallInfo fcinfo, Datum *values, bool *nulls);

/* A userservice.user_profile datum (the function's result type) for row. */
extern Datum us_user_profile_datum(FunctionCallInfo fcinfo, const UserRow *row);

#endif
