/*
 * auth_service.c: login with the timing and lockout defences, HS256 token
 * issue and verification, revocation.
 */
#include "postgres.h"

#include <time.h>

#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

#include <sodium.h>

#include "auth_service.h"
#include "auth_store.h"
#include "claims.h"
#include "config.h"
#include "errors.h"
#include "failure_worker.h"
#include "hashing.h"
#include "jwt.h"
#include "password.h"
#include "user_service.h"
#include "validate.h"

/* Longest token verify_token reads. */
#define TOKEN_MAX_BYTES (2 * US_JSON_MAX_BYTES)

static void
raise_bad_credentials(void)
{
	us_raise(US_ERR_BAD_CREDENTIALS, "invalid email or password",
			 "The email is not registered, the password is wrong, or the account is inactive.");
}

static void
raise_bad_token(const char *why)
{
	us_raise(US_ERR_BAD_TOKEN, "invalid token", "%s", why);
}

/* The secret, or an error (never showing it) when it is not set. */
static const char *
jwt_secret(void)
{
	if (us_jwt_secret == NULL || strlen(us_jwt_secret) < US_JWT_SECRET_MIN_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("userservice.jwt_secret is not set"),
				 errdetail("Tokens cannot be signed or verified without a secret of at least %d bytes.",
						   US_JWT_SECRET_MIN_BYTES),
				 errhint("A superuser sets it in postgresql.conf or with ALTER SYSTEM.")));
	return us_jwt_secret;
}

/*
 * A well-formed argon2id string at the current cost that matches no
 * password: verifying against it costs what verifying a real hash costs, so
 * an unknown email takes as long as a wrong password.
 */
static void
dummy_hash(char *out, size_t size)
{
	snprintf(out, size, "$argon2id$v=19$m=%d,t=%d,p=1$c2FsdHNhbHRzYWx0c2FsdA$%s",
			 us_password_hash_memory_kb, us_password_hash_iterations,
			 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
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

static char *
sign_token(int64 user_id, bool is_admin, int32 token_version, int32 *expires_in)
{
	const char *secret = jwt_secret();
	int64		now = (int64) time(NULL);
	char	   *claims = us_claims_build(user_id,
										 is_admin ? "userservice_admin" : "userservice_user",
										 now, now + us_jwt_lifetime, token_version,
										 us_jwt_audience);
	size_t		claims_len = strlen(claims);
	size_t		header_len = strlen(US_JWT_HEADER_B64);
	size_t		payload_len = us_b64url_encoded_len(claims_len) - 1;
	size_t		sig_len = us_b64url_encoded_len(32) - 1;
	char	   *token = palloc(header_len + 1 + payload_len + 1 + sig_len + 1);
	unsigned char mac[32];

	memcpy(token, US_JWT_HEADER_B64, header_len);
	token[header_len] = '.';
	us_b64url_encode(token + header_len + 1, (const unsigned char *) claims, claims_len);
	us_hmac_sha256(mac, secret, strlen(secret), token, header_len + 1 + payload_len);
	token[header_len + 1 + payload_len] = '.';
	us_b64url_encode(token + header_len + 1 + payload_len + 1, mac, sizeof(mac));
	sodium_memzero(mac, sizeof(mac));
	pfree(claims);

	*expires_in = us_jwt_lifetime;
	return token;
}

void
auth_service_login(text *email, text *password, LoginResult *out)
{
	LoginAccount account;
	bool		found;
	bool		ok;
	char		dummy[US_HASH_MAX_LEN];

	(void) jwt_secret();		/* fail before any work when it is unset */

	found = auth_store_find_login(email, &account);
	if (found)
		check_lockout(&account);

	if (!found)
		dummy_hash(dummy, sizeof(dummy));
	ok = us_verify_password(found ? account.hashed_password : dummy, password);

	if (!found || !ok || !account.is_active)
	{
		/* Every refusal waits for a worker, counting or not: equal time. */
		us_record_login_failure(found && !ok ? account.id : 0);
		raise_bad_credentials();
	}

	if (account.failures > 0 || account.has_lock)
		auth_store_clear_failures(account.id);

	/* An older, cheaper hash is upgraded now that we know the password. */
	if (us_hash_is_outdated(account.hashed_password))
	{
		char		hash[US_HASH_MAX_LEN];

		us_hash_new_password(password, "password", hash);
		user_store_set_hash(account.id, hash);
	}

	out->access_token = sign_token(account.id, account.is_admin,
								   account.token_version, &out->expires_in);
}

Jsonb *
auth_service_verify(text *token)
{
	const char *secret = jwt_secret();
	const char *t = VARDATA_ANY(token);
	size_t		len = VARSIZE_ANY_EXHDR(token);
	JwtParts	parts;
	unsigned char *buf;
	size_t		buf_len;
	Jsonb	   *header = NULL;
	Jsonb	   *claims = NULL;
	char	   *alg;
	double		exp;
	double		nbf;
	double		now = (double) time(NULL);

	if (len > TOKEN_MAX_BYTES || !us_jwt_split(t, len, &parts))
		raise_bad_token("The token is not three base64url parts joined by dots.");

	buf = palloc(Max(parts.header_len, parts.payload_len) * 3 / 4 + 2);
	if (!us_b64url_decode(buf, &buf_len, parts.header, parts.header_len) ||
		(header = us_json_object_parse((char *) buf, buf_len)) == NULL)
		raise_bad_token("The token header is not base64url-encoded JSON.");

	alg = us_claim_string(header, "alg");
	if (alg == NULL || strcmp(alg, "HS256") != 0)
		raise_bad_token("The token is not signed with HS256.");

	if (!us_jwt_signature_ok(&parts, secret, strlen(secret)))
		raise_bad_token("The token signature does not match.");

	/* Only a token we signed gets this far: now read its claims. */
	if (!us_b64url_decode(buf, &buf_len, parts.payload, parts.payload_len) ||
		(claims = us_json_object_parse((char *) buf, buf_len)) == NULL)
		raise_bad_token("The token claims are not base64url-encoded JSON.");

	if (!us_claim_number(claims, "exp", &exp))
		raise_bad_token("The token has no \"exp\" claim.");
	if (!(exp > now))
		raise_bad_token("The token has expired.");
	if (us_claim_number(claims, "nbf", &nbf) && nbf > now)
		raise_bad_token("The token is not valid yet.");

	if (us_jwt_audience != NULL && us_jwt_audience[0] != '\0' &&
		!us_claim_has_string(claims, "aud", us_jwt_audience))
		raise_bad_token("The token is not meant for this audience.");
	pfree(buf);
	return claims;
}

void
auth_service_check_request(const Caller *caller)
{
	TokenState	state;

	if (caller->kind != CALLER_USER && caller->kind != CALLER_ADMIN)
		return;
	if (!caller->has_user)
		raise_bad_token("The token names no user.");
	if (!auth_store_token_state(caller->user_id, &state))
		raise_bad_token("The token's user no longer exists.");
	if (!state.is_active)
		raise_bad_token("The token's user is deactivated.");
	if (caller->kind == CALLER_ADMIN && !state.is_admin)
		raise_bad_token("The token's user is no longer an administrator.");

	if (!caller->has_token_version ||
		caller->token_version != (double) state.token_version)
		raise_bad_token("The token was revoked by a password change, a logout, a deactivation or a role change.");
}

void
auth_service_change_password(const Caller *caller, text *current_password,
							 text *new_password)
{
	int64		id = us_caller_require_user(caller);
	UserRow		row;
	LoginAccount account;
	char		hash[US_HASH_MAX_LEN];

	user_service_get(id, &row);
	if (!auth_store_find_login(row.email, &account))
		elog(ERROR, "user " INT64_FORMAT " has no login row", id);
	/* A stolen token must not make current_password a free guessing oracle. */
	check_lockout(&account);
	if (!us_verify_password(account.hashed_password, current_password))
	{
		us_record_login_failure(id);
		us_raise(US_ERR_BAD_CREDENTIALS, "invalid password",
				 "Field \"current_password\" does not match the stored password.");
	}

	us_hash_new_password(new_password, "new_password", hash);
	auth_store_set_password(id, hash);
	sodium_memzero(hash, sizeof(hash));
}

void
auth_service_logout_all(const Caller *caller, int64 user_id)
{
	us_caller_require_self_or_admin(caller, user_id);
	if (!auth_store_revoke_tokens(user_id))
		user_service_raise_not_found(user_id);
}
