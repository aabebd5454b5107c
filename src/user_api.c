/*
 * user_api.c: the SQL-callable account functions (routes): unpack the
 * arguments, call the service, build the result row.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/jsonb.h"

#include "api.h"
#include "user_service.h"

PG_FUNCTION_INFO_V1(us_create_user);
PG_FUNCTION_INFO_V1(us_get_user);
PG_FUNCTION_INFO_V1(us_get_user_by_email);
PG_FUNCTION_INFO_V1(us_update_user);
PG_FUNCTION_INFO_V1(us_delete_user);

/* create_user(email text, password text, display_name text) */
Datum
us_create_user(PG_FUNCTION_ARGS)
{
	text	   *email = us_arg_text(fcinfo, 0, "email");
	text	   *password = us_arg_text(fcinfo, 1, "password");
	text	   *display_name = us_arg_text(fcinfo, 2, "display_name");
	UserRow		row;

	user_service_create(email, password, display_name, &row);
	PG_RETURN_DATUM(us_user_profile_datum(fcinfo, &row));
}

/* get_user(user_id bigint) */
Datum
us_get_user(PG_FUNCTION_ARGS)
{
	int64		id = us_arg_int64(fcinfo, 0, "user_id");
	UserRow		row;

	user_service_get(id, &row);
	PG_RETURN_DATUM(us_user_profile_datum(fcinfo, &row));
}

/* get_user_by_email(email text) */
Datum
us_get_user_by_email(PG_FUNCTION_ARGS)
{
	text	   *email = us_arg_text(fcinfo, 0, "email");
	UserRow		row;

	user_service_get_by_email(email, &row);
	PG_RETURN_DATUM(us_user_profile_datum(fcinfo, &row));
}

/* update_user(user_id bigint, patch jsonb, expected_version integer DEFAULT NULL) */
Datum
us_update_user(PG_FUNCTION_ARGS)
{
	int64		id = us_arg_int64(fcinfo, 0, "user_id");
	Jsonb	   *patch;
	UserRow		row;

	if (PG_ARGISNULL(1))
		us_arg_text(fcinfo, 1, "patch");	/* raises "is required" */
	patch = PG_GETARG_JSONB_P(1);

	user_service_update(id, patch, !PG_ARGISNULL(2),
						PG_ARGISNULL(2) ? 0 : PG_GETARG_INT32(2), &row);
	PG_RETURN_DATUM(us_user_profile_datum(fcinfo, &row));
}

/* delete_user(user_id bigint) */
Datum
us_delete_user(PG_FUNCTION_ARGS)
{
	int64		id = us_arg_int64(fcinfo, 0, "user_id");

	user_service_delete(id);
	PG_RETURN_VOID();
}
