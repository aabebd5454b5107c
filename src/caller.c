/*
 * caller.c: identity, revocation and the authorization rules that depend on
 * them.
 *
 * The checks live in C rather than in row-level security: every function
 * is SECURITY DEFINER and runs as the table owner, who bypasses RLS anyway.
 */
#include "postgres.h"

#include <time.h>

#include "access/xact.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "auth_store.h"
#include "caller.h"
#include "claims.h"
#include "errors.h"
#include "token.h"

/* The verdict of the last classification, and what it depended on. */
static struct
{
	bool		valid;
	LocalTransactionId lxid;
	CommandId	cid;
	Oid			role;
	char	   *claims;			/* in TopMemoryContext; NULL: none */
	Caller		caller;
}			verdict;

/* Does role have the privileges of the named role (by inheritance)? */
static bool
acts_as(Oid role, const char *name)
{
	Oid			other = get_role_oid(name, true);

	return OidIsValid(other) && has_privs_of_role(role, other);
}

/*
 * Classify by privilege, not by name: a login role that inherits a web role
 * is that web role here. Superusers and members of userservice_trusted act
 * without claims; a role that fits no rule is refused.
 */
static CallerKind
kind_of_role(Oid roleid)
{
	if (superuser_arg(roleid) || acts_as(roleid, "userservice_trusted"))
		return CALLER_TRUSTED;
	if (acts_as(roleid, "userservice_admin"))
		return CALLER_ADMIN;
	if (acts_as(roleid, "userservice_user"))
		return CALLER_USER;
	if (acts_as(roleid, "userservice_anon"))
		return CALLER_ANON;
	us_raise(US_ERR_NOT_ALLOWED, "not allowed",
			 "Role \"%s\" is no web role of userservice, no superuser and no member of userservice_trusted.",
			 GetUserNameFromId(roleid, false));
}

static void
raise_bad_token(const char *why)
{
	us_raise(US_ERR_BAD_TOKEN, "invalid token", "%s", why);
}

void
us_check_not_revoked(bool as_admin, const TokenClaims *tc)
{
	TokenState	state;

	if (!auth_store_token_state(tc->sub, &state))
		raise_bad_token("The token's user no longer exists.");
	if (!state.is_active)
		raise_bad_token("The token's user is deactivated.");
	if (as_admin && !state.is_admin)
		raise_bad_token("The token's user is no longer an administrator.");
	if (!tc->has_tv || tc->tv != (double) state.token_version)
		raise_bad_token("The token was revoked by a password change, a logout, a deactivation or a role change.");
}

static void
classify(Oid role, const char *claims_text, Caller *caller)
{
	Jsonb	   *claims;
	TokenClaims tc;
	const char *why;

	caller->kind = kind_of_role(role);
	caller->is_superuser = superuser_arg(role);
	caller->has_user = false;
	caller->user_id = 0;

	/* Anon acts as nobody, whatever the claims say. */
	if (caller->kind != CALLER_ANON && claims_text != NULL && claims_text[0] != '\0')
	{
		claims = us_json_object_parse(claims_text, strlen(claims_text), US_JSON_MAX_BYTES);
		if (claims == NULL)
			us_raise(US_ERR_BAD_TOKEN, "invalid token claims",
					 "Setting \"request.jwt.claims\" is not a JSON object.");
		if (caller->kind == CALLER_TRUSTED)
		{
			/* A trusted backend may act as a user by naming it, nothing more. */
			if (!us_claims_sub(claims, &caller->has_user, &caller->user_id))
				raise_bad_token("Claim \"sub\" is not a user id.");
		}
		else
		{
			if (!us_claims_check(claims, (double) time(NULL), US_CLAIMS_SKEW_SECONDS,
								 &tc, &why))
				raise_bad_token(why);
			caller->has_user = tc.has_sub;
			caller->user_id = tc.sub;
			if (tc.has_sub)
				us_check_not_revoked(caller->kind == CALLER_ADMIN, &tc);
		}
	}

	if ((caller->kind == CALLER_USER || caller->kind == CALLER_ADMIN) && !caller->has_user)
		us_raise(US_ERR_NOT_ALLOWED, "not allowed",
				 "The caller is not signed in: request.jwt.claims has no \"sub\".");
}

void
us_caller_current(Caller *caller)
{
	Oid			role = GetOuterUserId();
	const char *claims_text = GetConfigOption("request.jwt.claims", true, false);
	CommandId	cid = GetCurrentCommandId(false);

	if (claims_text != NULL && claims_text[0] == '\0')
		claims_text = NULL;

	/* One indexed read per transaction, while nothing it depends on moved. */
	if (verdict.valid && verdict.lxid == MyProc->lxid && verdict.cid == cid &&
		verdict.role == role &&
		(verdict.claims == NULL ? claims_text == NULL :
		 claims_text != NULL && strcmp(verdict.claims, claims_text) == 0))
	{
		*caller = verdict.caller;
		return;
	}

	verdict.valid = false;
	classify(role, claims_text, caller);

	if (verdict.claims != NULL)
		pfree(verdict.claims);
	verdict.claims = claims_text == NULL ? NULL :
		MemoryContextStrdup(TopMemoryContext, claims_text);
	verdict.lxid = MyProc->lxid;
	verdict.cid = cid;
	verdict.role = role;
	verdict.caller = *caller;
	verdict.valid = true;
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

void
us_caller_require_signed_in(const Caller *caller)
{
	if (caller->kind == CALLER_ANON)
		us_raise(US_ERR_NOT_ALLOWED, "not allowed", "Anonymous callers may not do this.");
}

void
us_caller_require_not_user(const Caller *caller)
{
	if (caller->kind == CALLER_USER)
		us_raise(US_ERR_NOT_ALLOWED, "not allowed",
				 "Signed-in users may not do this; anonymous callers and administrators may.");
}

void
us_caller_require_superuser(const Caller *caller)
{
	if (!caller->is_superuser)
		us_raise(US_ERR_NOT_ALLOWED, "not allowed", "Only superusers manage signing keys.");
}
