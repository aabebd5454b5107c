/*
 * user_api.c: the SQL-callable account functions (routes): unpack the
 * arguments, call the service, build the result row.
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "utils/jsonb.h"

#include "api.h"
#include "caller.h"
#include "user_service.h"

PG_FUNCTION_INFO_V1(us_create_user);
PG_FUNCTION_INFO_V1(us_get_user);
PG_FUNCTION_INFO_V1(us_get_user_by_email);
PG_FUNCTION_INFO_V1(us_update_user);
PG_FUNCTION_INFO_V1(us_update_user_1_1);
PG_FUNCTION_INFO_V1(us_update_user_1_3);
PG_FUNCTION_INFO_V1(us_delete_user);
PG_FUNCTION_INFO_V1(us_list_users);

/* create_user(email text, password text, display_name text) */
Datum
us_create_user(PG_FUNCTION_ARGS)
{
	HideStatement hide;
	text	   *email;
	text	   *password;
	text	   *display_name;
	Caller		caller;
	UserRow		row;

	us_hide_statement_begin(&hide);
	us_refuse_read_only("create_user");
	email = us_arg_text(fcinfo, 0, "email");
	password = us_arg_text(fcinfo, 1, "password");
	display_name = us_arg_text(fcinfo, 2, "display_name");
	us_caller_current(&caller);
	user_service_create(&caller, email, password, display_name, &row);
	us_hide_statement_end(&hide);
	PG_RETURN_DATUM(us_user_profile_datum(fcinfo, &row));
}

/* get_user(user_id bigint) */
Datum
us_get_user(PG_FUNCTION_ARGS)
{
	int64		id = us_arg_int64(fcinfo, 0, "user_id");
	Caller		caller;
	UserRow		row;

	us_caller_current(&caller);
	user_service_get(&caller, id, &row);
	PG_RETURN_DATUM(us_user_profile_datum(fcinfo, &row));
}

/* get_user_by_email(email text) */
Datum
us_get_user_by_email(PG_FUNCTION_ARGS)
{
	text	   *email = us_arg_text(fcinfo, 0, "email");
	Caller		caller;
	UserRow		row;

	us_caller_current(&caller);
	user_service_get_by_email(&caller, email, &row);
	PG_RETURN_DATUM(us_user_profile_datum(fcinfo, &row));
}

static Datum
update_user(FunctionCallInfo fcinfo, UserSchema schema)
{
	HideStatement hide;
	int64		id;
	Caller		caller;
	UserRow		row;

	us_hide_statement_begin(&hide);		/* the patch may hold a password */
	us_refuse_read_only("update_user");
	id = us_arg_int64(fcinfo, 0, "user_id");
	us_caller_current(&caller);
	user_service_update(&caller, id, us_arg_jsonb(fcinfo, 1, "patch"), !PG_ARGISNULL(2),
						PG_ARGISNULL(2) ? 0 : PG_GETARG_INT32(2), schema, &row);
	us_hide_statement_end(&hide);
	return us_user_profile_datum(fcinfo, &row);
}

/* update_user(user_id bigint, patch jsonb, expected_version integer DEFAULT NULL), schema 1.0 */
Datum
us_update_user(PG_FUNCTION_ARGS)
{
	return update_user(fcinfo, USER_SCHEMA_1_0);
}

/* The same for schemas 1.1 and 1.2: a password patch also revokes the user's tokens. */
Datum
us_update_user_1_1(PG_FUNCTION_ARGS)
{
	return update_user(fcinfo, USER_SCHEMA_1_1);
}

/* The same from schema 1.3 on: an administrator's new password also clears the throttle. */
Datum
us_update_user_1_3(PG_FUNCTION_ARGS)
{
	return update_user(fcinfo, USER_SCHEMA_1_3);
}

/* delete_user(user_id bigint) */
Datum
us_delete_user(PG_FUNCTION_ARGS)
{
	int64		id = us_arg_int64(fcinfo, 0, "user_id");
	Caller		caller;

	us_caller_current(&caller);
	user_service_delete(&caller, id);
	PG_RETURN_VOID();
}

/* list_users(page_size integer DEFAULT 20, after_id bigint DEFAULT NULL, skip bigint DEFAULT 0) */
Datum
us_list_users(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Caller		caller;
	PageArgs	page;

	us_caller_current(&caller);
	us_arg_page(fcinfo, 0, 1, 2, &page);
	SetSingleFuncCall(fcinfo, 0);
	user_service_list(&caller, &page, rsinfo->setResult, rsinfo->setDesc);
	return (Datum) 0;
}
