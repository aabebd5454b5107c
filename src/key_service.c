/*
 * key_service.c: signing keys: creation, retirement, the JWKS.
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/jsonb.h"

#include <sodium.h>

#include "errors.h"
#include "jwt.h"
#include "key_service.h"
#include "key_store.h"
#include "keyring.h"

#define GENERATED_SECRET_BYTES 32
#define KID_RANDOM_BYTES 16

/* The setting of 1.2 is readable by every role: say so to the superuser. */
static void
warn_if_setting_left(void)
{
	const char *old = GetConfigOption("userservice.jwt_secret", true, false);

	if (old != NULL && old[0] != '\0')
		ereport(WARNING,
				(errcode(ERRCODE_WARNING),
				 errmsg("userservice.jwt_secret is still set: remove it"),
				 errdetail("From 1.3 on it is ignored, and every role can read it."),
				 errhint("ALTER SYSTEM RESET userservice.jwt_secret (or remove it from postgresql.conf), then reload.")));
}

char *
key_service_create(const Caller *caller, text *alg, text *secret)
{
	unsigned char generated[GENERATED_SECRET_BYTES];
	unsigned char kid_bytes[KID_RANDOM_BYTES];
	char		kid[KID_RANDOM_BYTES * 2 + 1];
	const unsigned char *bytes;
	size_t		len;

	us_caller_require_superuser(caller);
	if (VARSIZE_ANY_EXHDR(alg) != 5 || memcmp(VARDATA_ANY(alg), "HS256", 5) != 0)
		us_raise_invalid_field("alg", "must be \"HS256\"");
	if (secret != NULL)
	{
		bytes = (const unsigned char *) VARDATA_ANY(secret);
		len = VARSIZE_ANY_EXHDR(secret);
		if (len < US_SECRET_MIN_BYTES)
			us_raise_invalid_field("secret", "must be at least 32 bytes");
		if (len > US_SECRET_MAX_BYTES)
			us_raise_invalid_field("secret", "must be at most 1024 bytes");
	}
	else
	{
		randombytes_buf(generated, sizeof(generated));
		bytes = generated;
		len = sizeof(generated);
	}
	randombytes_buf(kid_bytes, sizeof(kid_bytes));
	sodium_bin2hex(kid, sizeof(kid), kid_bytes, sizeof(kid_bytes));

	key_store_add(kid, bytes, len);
	sodium_memzero(generated, sizeof(generated));
	warn_if_setting_left();
	return pstrdup(kid);
}

void
key_service_retire(const Caller *caller, text *kid)
{
	char	   *k;

	us_caller_require_superuser(caller);
	k = text_to_cstring(kid);
	switch (key_store_retire(k))
	{
		case KEY_RETIRED:
			break;
		case KEY_NOT_FOUND:
			us_raise(US_ERR_NOT_FOUND, "signing key not found",
					 "No signing or verifying key has kid \"%.64s\".", k);
			break;
		case KEY_IS_SIGNING:
			us_raise(US_ERR_INVALID, "invalid kid",
					 "Key \"%.64s\" signs new tokens; create another key first.", k);
			break;
	}
}

Jsonb *
key_service_jwks(const Caller *caller, bool include_secrets)
{
	const Keyring *ring;
	StringInfoData buf;
	bool		first = true;
	Jsonb	   *jwks;

	us_caller_require_superuser(caller);
	warn_if_setting_left();
	ring = us_keyring();

	initStringInfo(&buf);
	appendStringInfoString(&buf, "{\"keys\":[");
	for (int i = 0; i < ring->nkeys && include_secrets; i++)
	{
		const SigningKey *key = &ring->keys[i];
		char	   *k = palloc(us_b64url_encoded_len(key->secret_len));

		us_b64url_encode(k, key->secret, key->secret_len);
		appendStringInfoString(&buf, first ? "{" : ",{");
		appendStringInfoString(&buf, "\"kty\":\"oct\",\"alg\":\"HS256\",\"use\":\"sig\",\"kid\":");
		escape_json(&buf, key->kid);
		appendStringInfo(&buf, ",\"k\":\"%s\"}", k);
		sodium_memzero(k, strlen(k));
		pfree(k);
		first = false;
	}
	appendStringInfoString(&buf, "]}");
	jwks = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data)));
	sodium_memzero(buf.data, buf.len);
	pfree(buf.data);
	return jwks;
}
