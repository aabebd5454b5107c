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

/* A userservice.user_profile datum (the function's result type) for row. */
extern Datum us_user_profile_datum(FunctionCallInfo fcinfo, const UserRow *row);

#endif
