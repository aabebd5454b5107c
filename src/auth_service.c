/*
 * auth_service.c: login with the timing defence and the login throttle,
 * token issue and verification, revocation (schema 1.3 on).
 */
#include "postgres.h"

#include <time.h>

#include "utils/builtins.h"
#include "utils/jsonb.h"

#include <sodium.h>

#include "auth_service.h"
#include "auth_store.h"
#include "claims.h"
#include "config.h"
#include "errors.h"
#include "hashing.h"
#include "keyring.h"
#include "login_throttle.h"
#include "password.h"
#include "token.h"
#include "user_service.h"
#include "user_store.h"
#include "validate.h"

static void
raise_bad_credentials(void)
{
	us_raise(US_ERR_BAD_CREDENTIALS, "invalid email or password",
			 "The email is not registered, the password is wrong, or the account is inactive.");
}

void
auth_service_check_new_password(text *password, const char *field)
{
	const char *reason = us_check_password(VARDATA_ANY(password),
										   VARSIZE_ANY_EXHDR(password));

	if (reason != NULL)
		us_raise_invalid_field(field, reason);
}

/* An older, cheaper hash is upgraded now that the password is known. */
static void
upgrade_hash(int64 id, const char *stored, text *password)
{
	char		hash[US_HASH_MAX_LEN];

	if (!us_hash_is_outdated(stored))
		return;
	us_hash_password(password, "password", hash);
	(void) user_store_set_hash(id, hash, stored);
	sodium_memzero(hash, sizeof(hash));
}

void
auth_service_login(const Caller *caller, text *email, text *password, LoginResult *out)
{
	const SigningKey *key;
	text	   *normalized;
	LoginAccount account;
	LoginAttempt attempt;
	bool		found;
	bool		ok;
	char		dummy[US_HASH_MAX_LEN];

	us_caller_require_not_user(caller);
	key = us_keyring_signing_key(us_keyring());	/* 55000 before any work */
	if (VARSIZE_ANY_EXHDR(password) > US_PASSWORD_MAX_BYTES)
		us_raise_invalid_field("password", "must be at most 1024 bytes");
	/* No email is longer; normalizing a huge one would cost before any count. */
	if (VARSIZE_ANY_EXHDR(email) > US_EMAIL_MAX_BYTES)
		us_raise_invalid_field("email", "must be at most 254 characters");

	normalized = user_service_normalize_email(email);
	found = auth_store_find_login(normalized, &account);
	login_throttle_attempt(normalized, &attempt);
	login_throttle_reserve(&attempt);	/* counted before the password is checked */

	if (!found)
		us_dummy_hash(dummy, sizeof(dummy));
	ok = us_verify_password(found ? account.hashed_password : dummy, password, "password");
	if (!found || !ok || !account.is_active)
		raise_bad_credentials();

	login_throttle_succeeded(&attempt);
	upgrade_hash(account.id, account.hashed_password, password);
	auth_service_issue(key, &account, out);
}

void
auth_service_issue(const SigningKey *key, const LoginAccount *account, LoginResult *out)
{
	int64		now = (int64) time(NULL);
	char	   *claims = us_claims_build(account->id,
										 account->is_admin ? "userservice_admin" : "userservice_user",
										 now, now + us_jwt_lifetime, account->token_version,
										 us_jwt_audience);

	out->access_token = us_token_sign(key, claims);
	out->expires_in = us_jwt_lifetime;
	pfree(claims);
}

Jsonb *
auth_service_verify(const Caller *caller, text *token)
{
	const char *why = NULL;
	Jsonb	   *claims;
	TokenClaims tc;
	char	   *role;

	us_caller_require_admin(caller);
	claims = us_token_verify(VARDATA_ANY(token), VARSIZE_ANY_EXHDR(token), us_keyring(),
							 us_jwt_audience, (double) time(NULL), &why);
	if (claims == NULL)
		us_raise(US_ERR_BAD_TOKEN, "invalid token", "%s", why);

	/* A good signature is not enough: the token must not be revoked. */
	(void) us_claims_check(claims, (double) time(NULL), 0, &tc, &why);
	if (!tc.has_sub)
		us_raise(US_ERR_BAD_TOKEN, "invalid token", "The token names no user.");
	role = us_claim_string(claims, "role");
	us_check_not_revoked(role != NULL && strcmp(role, "userservice_admin") == 0, &tc);
	return claims;
}

void
auth_service_check_request(const Caller *caller)
{
	/* us_caller_current refused a bad or revoked token already: nothing else. */
}

void
auth_service_change_password(const Caller *caller, text *current_password,
							 text *new_password)
{
	int64		id = us_caller_require_user(caller);
	LoginAccount account;
	LoginAttempt attempt;
	char		hash[US_HASH_MAX_LEN];

	auth_service_check_new_password(new_password, "new_password");
	/* Refused before it spends an attempt, as login refuses it. */
	if (VARSIZE_ANY_EXHDR(current_password) > US_PASSWORD_MAX_BYTES)
		us_raise_invalid_field("current_password", "must be at most 1024 bytes");
	if (!auth_store_find_login_by_id(id, &account))
		user_service_raise_not_found(id);

	/* A stolen token must not make current_password a free guessing oracle. */
	login_throttle_attempt_for_user(id, &attempt);
	login_throttle_reserve(&attempt);
	if (!us_verify_password(account.hashed_password, current_password, "current_password"))
		us_raise(US_ERR_BAD_CREDENTIALS, "invalid password",
				 "Field \"current_password\" does not match the stored password.");
	login_throttle_succeeded(&attempt);

	us_hash_password(new_password, "new_password", hash);
	user_store_set_password(id, hash);
	sodium_memzero(hash, sizeof(hash));
}

void
auth_service_logout_all(const Caller *caller, int64 user_id)
{
	us_caller_require_self_or_admin(caller, user_id);
	if (!user_store_revoke_tokens(user_id))
		user_service_raise_not_found(user_id);
}

void
auth_service_unlock(const Caller *caller, int64 user_id)
{
	UserRow		row;

	us_caller_require_admin(caller);
	if (!user_store_get(user_id, &row))
		user_service_raise_not_found(user_id);
	login_throttle_clear(user_id, row.email);
}

void
auth_service_login_attempts(const Caller *caller, text *email, Tuplestorestate *into,
							TupleDesc desc)
{
	us_caller_require_admin(caller);
	login_throttle_status(user_service_normalize_email(email), into, desc);
}
