/*
 * auth_api.c: the SQL-callable login, token and session functions. The
 * entry points without a suffix serve schemas 1.1 and 1.2 (auth_legacy.c).
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "api.h"
#include "auth_legacy.h"
#include "auth_service.h"
#include "caller.h"
#include "user_service.h"

PG_FUNCTION_INFO_V1(us_login);
PG_FUNCTION_INFO_V1(us_login_1_3);
PG_FUNCTION_INFO_V1(us_verify_token);
PG_FUNCTION_INFO_V1(us_verify_token_1_3);
PG_FUNCTION_INFO_V1(us_me);
PG_FUNCTION_INFO_V1(us_change_password);
PG_FUNCTION_INFO_V1(us_change_password_1_3);
PG_FUNCTION_INFO_V1(us_logout_all);
PG_FUNCTION_INFO_V1(us_check_request);
PG_FUNCTION_INFO_V1(us_unlock_user);
PG_FUNCTION_INFO_V1(us_login_attempts);

static Datum
login_result(FunctionCallInfo fcinfo, const LoginResult *result)
{
	Datum		values[3];
	bool		nulls[3] = {false};

	values[0] = CStringGetTextDatum(result->access_token);
	values[1] = CStringGetTextDatum("bearer");
	values[2] = Int32GetDatum(result->expires_in);
	return us_composite_result(fcinfo, values, nulls, lengthof(values));
}

/* login(email text, password text) returns userservice.login_result, schemas 1.1 and 1.2 */
Datum
us_login(PG_FUNCTION_ARGS)
{
	HideStatement hide;
	LoginResult result;

	us_hide_statement_begin(&hide);
	us_refuse_read_only("login");
	auth_legacy_login(us_arg_text(fcinfo, 0, "email"), us_arg_text(fcinfo, 1, "password"),
					  &result);
	us_hide_statement_end(&hide);
	PG_RETURN_DATUM(login_result(fcinfo, &result));
}

/* login(email text, password text) returns userservice.login_result, schema 1.3 on */
Datum
us_login_1_3(PG_FUNCTION_ARGS)
{
	HideStatement hide;
	Caller		caller;
	text	   *email;
	text	   *password;
	LoginResult result;

	us_hide_statement_begin(&hide);
	us_refuse_read_only("login");
	email = us_arg_text(fcinfo, 0, "email");
	password = us_arg_text(fcinfo, 1, "password");
	us_caller_current(&caller);
	auth_service_login(&caller, email, password, &result);
	us_hide_statement_end(&hide);
	PG_RETURN_DATUM(login_result(fcinfo, &result));
}

/* verify_token(token text) returns jsonb, schemas 1.1 and 1.2 */
Datum
us_verify_token(PG_FUNCTION_ARGS)
{
	HideStatement hide;
	Jsonb	   *claims;

	us_hide_statement_begin(&hide);		/* the token is a bearer credential */
	claims = auth_legacy_verify(us_arg_text(fcinfo, 0, "token"));
	us_hide_statement_end(&hide);
	PG_RETURN_JSONB_P(claims);
}

/* verify_token(token text) returns jsonb, schema 1.3 on */
Datum
us_verify_token_1_3(PG_FUNCTION_ARGS)
{
	HideStatement hide;
	text	   *token;
	Caller		caller;
	Jsonb	   *claims;

	us_hide_statement_begin(&hide);		/* the token is a bearer credential */
	token = us_arg_text(fcinfo, 0, "token");
	us_caller_current(&caller);
	claims = auth_service_verify(&caller, token);
	us_hide_statement_end(&hide);
	PG_RETURN_JSONB_P(claims);
}

/* me() returns userservice.user_profile */
Datum
us_me(PG_FUNCTION_ARGS)
{
	Caller		caller;
	UserRow		row;

	us_caller_current(&caller);
	user_service_get(&caller, us_caller_require_user(&caller), &row);
	PG_RETURN_DATUM(us_user_profile_datum(fcinfo, &row));
}

static Datum
change_password(FunctionCallInfo fcinfo, bool legacy)
{
	HideStatement hide;
	text	   *current_password;
	text	   *new_password;
	Caller		caller;

	us_hide_statement_begin(&hide);
	us_refuse_read_only("change_password");
	current_password = us_arg_text(fcinfo, 0, "current_password");
	new_password = us_arg_text(fcinfo, 1, "new_password");
	us_caller_current(&caller);
	if (legacy)
		auth_legacy_change_password(&caller, current_password, new_password);
	else
		auth_service_change_password(&caller, current_password, new_password);
	us_hide_statement_end(&hide);
	PG_RETURN_VOID();
}

/* change_password(current_password text, new_password text) returns void, schemas 1.1 and 1.2 */
Datum
us_change_password(PG_FUNCTION_ARGS)
{
	return change_password(fcinfo, true);
}

/* The same from schema 1.3 on: counted by the login throttle. */
Datum
us_change_password_1_3(PG_FUNCTION_ARGS)
{
	return change_password(fcinfo, false);
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

/* unlock_user(user_id bigint) returns void */
Datum
us_unlock_user(PG_FUNCTION_ARGS)
{
	int64		id = us_arg_int64(fcinfo, 0, "user_id");
	Caller		caller;

	us_caller_current(&caller);
	auth_service_unlock(&caller, id);
	PG_RETURN_VOID();
}

/* login_attempts(email text) returns table(address, failures, window_ends, trusted_until) */
Datum
us_login_attempts(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	text	   *email = us_arg_text(fcinfo, 0, "email");
	Caller		caller;

	us_caller_current(&caller);
	SetSingleFuncCall(fcinfo, 0);
	auth_service_login_attempts(&caller, email, rsinfo->setResult, rsinfo->setDesc);
	return (Datum) 0;
}
