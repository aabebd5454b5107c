/*
 * key_api.c: the SQL-callable signing-key functions.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "api.h"
#include "caller.h"
#include "key_service.h"

PG_FUNCTION_INFO_V1(us_create_signing_key);
PG_FUNCTION_INFO_V1(us_retire_signing_key);
PG_FUNCTION_INFO_V1(us_jwks);

/* create_signing_key(alg text, secret text DEFAULT NULL) returns text */
Datum
us_create_signing_key(PG_FUNCTION_ARGS)
{
	HideStatement hide;
	Caller		caller;
	char	   *kid;

	us_hide_statement_begin(&hide);
	us_refuse_read_only("create_signing_key");
	us_caller_current(&caller);
	kid = key_service_create(&caller, us_arg_text(fcinfo, 0, "alg"),
							 PG_ARGISNULL(1) ? NULL : PG_GETARG_TEXT_PP(1));
	us_hide_statement_end(&hide);
	PG_RETURN_TEXT_P(cstring_to_text(kid));
}

/* retire_signing_key(kid text) returns void */
Datum
us_retire_signing_key(PG_FUNCTION_ARGS)
{
	Caller		caller;

	us_caller_current(&caller);
	key_service_retire(&caller, us_arg_text(fcinfo, 0, "kid"));
	PG_RETURN_VOID();
}

/* jwks(include_secrets boolean DEFAULT false) returns jsonb */
Datum
us_jwks(PG_FUNCTION_ARGS)
{
	Caller		caller;

	us_caller_current(&caller);
	PG_RETURN_JSONB_P(key_service_jwks(&caller, !PG_ARGISNULL(0) && PG_GETARG_BOOL(0)));
}
