/*
 * auth_api.c: the SQL-callable login, token and session functions.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "api.h"
#include "auth_service.h"
#include "caller.h"
#include "user_service.h"

PG_FUNCTION_INFO_V1(us_login);
PG_FUNCTION_INFO_V1(us_verify_token);
PG_FUNCTION_INFO_V1(us_me);
PG_FUNCTION_INFO_V1(us_change_password);
PG_FUNCTION_INFO_V1(us_logout_all);
PG_FUNCTION_INFO_V1(us_check_request);

/* login(email text, password text) returns userservice.login_result */
Datum
us_login(PG_FUNCTION_ARGS)
{
	text	   *email = us_arg_text(fcinfo, 0, "email");
	text	   *password = us_arg_text(fcinfo, 1, "password");
	LoginResult result;
	Datum		values[3];
	bool		nulls[3] = {false};

	auth_service_login(email, password, &result);

	values[0] = CStringGetTextDatum(result.access_token);
	values[1] = CStringGetTextDatum("bearer");
	values[2] = Int32GetDatum(result.expires_in);
	PG_RETURN_DATUM(us_composite_result(fcinfo, values, nulls));
}

/* verify_token(token text) returns jsonb */
Datum
us_verify_token(PG_FUNCTION_ARGS)
{
	text	   *token = us_arg_text(fcinfo, 0, "token");

	PG_RETURN_JSONB_P(auth_service_verify(token));
}

/* me() returns userservice.user_profile */
Datum
us_me(PG_FUNCTION_ARGS)
{
	Caller		caller;
	UserRow		row;

	us_caller_current(&caller);
	user_service_get(us_caller_require_user(&caller), &row);
	PG_RETURN_DATUM(us_user_profile_datum(fcinfo, &row));
}

/* change_password(current_password text, new_password text) returns void */
Datum
us_change_password(PG_FUNCTION_ARGS)
{
	text	   *current_password = us_arg_text(fcinfo, 0, "current_password");
	text	   *new_password = us_arg_text(fcinfo, 1, "new_password");
	Caller		caller;

	us_caller_current(&caller);
	auth_service_change_password(&caller, current_password, new_password);
	PG_RETURN_VOID();
}

/* logout_all(user_id bigint DEFAULT NULL) returns void: NULL means the caller */
Datum
us_logout_all(PG_FUNCTION_ARGS)
{
	Caller		caller;

	us_caller_current(&caller);
	auth_service_logout_all(&caller, PG_ARGISNULL(0) ?
							us_caller_require_user(&caller) : PG_GETARG_INT64(0));
	PG_RETURN_VOID();
}

/* check_request() returns void: PostgREST's db-pre-request */
Datum
us_check_request(PG_FUNCTION_ARGS)
{
	Caller		caller;

	us_caller_current(&caller);
	auth_service_check_request(&caller);
	PG_RETURN_VOID();
}
