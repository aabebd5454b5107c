/*
 * caller.c: identity and the authorization rules that depend on it.
 *
 * The checks live in C rather than in row-level security: every function
 * is SECURITY DEFINER and runs as the table owner, who bypasses RLS anyway.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/numeric.h"
#include "utils/jsonb.h"

#include "caller.h"
#include "claims.h"
#include "errors.h"

/* Does role have the privileges of the named web role (by inheritance)? */
static bool
acts_as(Oid role, const char *web_role)
{
	Oid			web = get_role_oid(web_role, true);

	return OidIsValid(web) && has_privs_of_role(role, web);
}

/*
 * Classify by privilege, not by name: a login role that inherits a web role
 * is that web role here, or it would hold the role's EXECUTE grants with a
 * trusted caller's rights. Superusers, which have every role's privileges,
 * and roles that inherit none of the three are trusted backends.
 */
static CallerKind
kind_of_role(Oid roleid)
{
	if (superuser_arg(roleid))
		return CALLER_TRUSTED;
	if (acts_as(roleid, "userservice_admin"))
		return CALLER_ADMIN;
	if (acts_as(roleid, "userservice_user"))
		return CALLER_USER;
	if (acts_as(roleid, "userservice_anon"))
		return CALLER_ANON;
	return CALLER_TRUSTED;
}

/* "42" or 42 as a positive int64; false for anything else. */
static bool
parse_sub(JsonbValue *v, int64 *out)
{
	char		buf[32];
	const char *s;
	size_t		len;
	char	   *end;
	long long	n;

	if (v->type == jbvString)
	{
		s = v->val.string.val;
		len = v->val.string.len;
	}
	else if (v->type == jbvNumeric)
	{
		s = DatumGetCString(DirectFunctionCall1(numeric_out,
												NumericGetDatum(v->val.numeric)));
		len = strlen(s);
	}
	else
		return false;
	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	for (size_t i = 0; i < len; i++)
		if (buf[i] < '0' || buf[i] > '9')
			return false;
	errno = 0;
	n = strtoll(buf, &end, 10);
	if (errno != 0 || *end != '\0' || n <= 0)
		return false;
	*out = (int64) n;
	return true;
}

void
us_caller_current(Caller *caller)
{
	const char *claims_text;

	caller->kind = kind_of_role(GetOuterUserId());
	caller->has_user = false;
	caller->user_id = 0;
	caller->has_token_version = false;

	claims_text = GetConfigOption("request.jwt.claims", true, false);
	if (claims_text != NULL && claims_text[0] != '\0')
	{
		Jsonb	   *claims = us_json_object_parse(claims_text, strlen(claims_text));
		JsonbValue *sub;

		if (claims == NULL)
			us_raise(US_ERR_BAD_TOKEN, "invalid token claims",
					 "Setting \"request.jwt.claims\" is not a JSON object.");
		sub = us_claim(claims, "sub");
		if (sub != NULL)
		{
			if (!parse_sub(sub, &caller->user_id))
				us_raise(US_ERR_BAD_TOKEN, "invalid token claims",
						 "Claim \"sub\" is not a user id.");
			caller->has_user = true;
		}
		caller->has_token_version = us_claim_number(claims, "tv", &caller->token_version);
	}
}

int64
us_caller_require_user(const Caller *caller)
{
	if (!caller->has_user)
		us_raise(US_ERR_NOT_ALLOWED, "not allowed",
				 "The caller is not signed in: request.jwt.claims has no \"sub\".");
	return caller->user_id;
}

void
us_caller_require_self_or_admin(const Caller *caller, int64 user_id)
{
	switch (caller->kind)
	{
		case CALLER_TRUSTED:
		case CALLER_ADMIN:
			return;
		case CALLER_USER:
			if (caller->has_user && caller->user_id == user_id)
				return;
			us_raise(US_ERR_NOT_ALLOWED, "not allowed",
					 "A user may only act on their own account, not on user " INT64_FORMAT ".",
					 user_id);
			break;
		case CALLER_ANON:
			us_raise(US_ERR_NOT_ALLOWED, "not allowed",
					 "Anonymous callers may not act on user " INT64_FORMAT ".", user_id);
			break;
	}
}

void
us_caller_require_admin(const Caller *caller)
{
	if (caller->kind == CALLER_TRUSTED || caller->kind == CALLER_ADMIN)
		return;
	us_raise(US_ERR_NOT_ALLOWED, "not allowed", "Only administrators may do this.");
}
