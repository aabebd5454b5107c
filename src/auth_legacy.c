/*
 * auth_legacy.c: the 1.1 and 1.2 behaviour of login, verify_token and
 * change_password (see auth_legacy.h).
 */
#include "postgres.h"

#include <time.h>

#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

#include <sodium.h>

#include "auth_legacy.h"
#include "auth_store.h"
#include "claims.h"
#include "config.h"
#include "errors.h"
#include "failure_worker.h"
#include "hashing.h"
#include "password.h"
#include "token.h"
#include "user_service.h"
#include "user_store.h"

/* The setting's secret as a one-key keyring; 55000 when it is not set. */
static Keyring *
setting_keyring(void)
{
	Keyring    *ring = palloc0(sizeof(Keyring));

	if (us_jwt_secret == NULL || strlen(us_jwt_secret) < US_JWT_SECRET_MIN_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("userservice.jwt_secret is not set"),
				 errdetail("Tokens cannot be signed or verified without a secret of at least %d bytes.",
						   US_JWT_SECRET_MIN_BYTES),
				 errhint("A superuser sets it in postgresql.conf, or updates the extension to 1.3.")));
	ring->nkeys = 1;
	ring->keys = palloc0(sizeof(SigningKey));
	ring->keys[0].signs = true;
	ring->keys[0].omit_kid = true;
	ring->keys[0].secret = (unsigned char *) us_jwt_secret;
	ring->keys[0].secret_len = strlen(us_jwt_secret);
	return ring;
}

/* PT429 while the account is locked out. */
static void
check_lockout(const LoginAccount *account)
{
	long		secs;
	int			usecs;

	if (!account->has_lock || account->locked_until <= GetCurrentTimestamp())
		return;
	TimestampDifference(GetCurrentTimestamp(), account->locked_until, &secs, &usecs);
	us_raise(US_ERR_TOO_MANY_ATTEMPTS, "too many failed logins",
			 "The account is locked for %ld more seconds after %d failed logins.",
			 secs + 1, account->failures);
}

void
auth_legacy_login(text *email, text *password, LoginResult *out)
{
	Keyring    *ring = setting_keyring();
	LoginAccount account;
	bool		found;
	bool		ok;
	char		dummy[US_HASH_MAX_LEN];

	found = auth_store_find_login_legacy(email, &account);
	if (found)
		check_lockout(&account);
	if (!found)
		us_dummy_hash(dummy, sizeof(dummy));
	ok = us_verify_password(found ? account.hashed_password : dummy, password, "password");

	if (!found || !ok || !account.is_active)
	{
		/* Every refusal waits for a worker, counting or not: equal time. */
		us_record_login_failure(found && !ok ? account.id : 0);
		us_raise(US_ERR_BAD_CREDENTIALS, "invalid email or password",
				 "The email is not registered, the password is wrong, or the account is inactive.");
	}
	if (account.failures > 0 || account.has_lock)
		auth_store_clear_failures(account.id);
	if (us_hash_is_outdated(account.hashed_password))
	{
		char		hash[US_HASH_MAX_LEN];

		us_hash_password(password, "password", hash);
		(void) user_store_set_hash(account.id, hash, account.hashed_password);
	}
	auth_service_issue(&ring->keys[0], &account, out);
}

Jsonb *
auth_legacy_verify(text *token)
{
	const char *why = NULL;
	Jsonb	   *claims = us_token_verify(VARDATA_ANY(token), VARSIZE_ANY_EXHDR(token),
										 setting_keyring(), us_jwt_audience,
										 (double) time(NULL), &why);

	if (claims == NULL)
		us_raise(US_ERR_BAD_TOKEN, "invalid token", "%s", why);
	return claims;
}

void
auth_legacy_change_password(const Caller *caller, text *current_password,
							text *new_password)
{
	int64		id = us_caller_require_user(caller);
	UserRow		row;
	LoginAccount account;
	char		hash[US_HASH_MAX_LEN];

	user_service_get(caller, id, &row);
	if (!auth_store_find_login_legacy(row.email, &account))
		elog(ERROR, "user " INT64_FORMAT " has no login row", id);
	check_lockout(&account);
	if (!us_verify_password(account.hashed_password, current_password, "current_password"))
	{
		us_record_login_failure(id);
		us_raise(US_ERR_BAD_CREDENTIALS, "invalid password",
				 "Field \"current_password\" does not match the stored password.");
	}
	auth_service_check_new_password(new_password, "new_password");
	us_hash_password(new_password, "new_password", hash);
	user_store_set_password(id, hash);
	sodium_memzero(hash, sizeof(hash));
}
