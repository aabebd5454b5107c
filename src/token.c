/*
 * token.c: signing and reading JSON Web Tokens (HS256), over jwt.c's
 * base64url and HMAC and claims.c's JSON.
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/numeric.h"

#include <sodium.h>

#include "claims.h"
#include "jwt.h"
#include "token.h"

char *
us_token_sign(const SigningKey *key, const char *claims_json)
{
	StringInfoData header;
	StringInfoData token;
	size_t		claims_len = strlen(claims_json);
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	size_t		signed_len;

	initStringInfo(&header);
	appendStringInfoString(&header, "{\"alg\":\"HS256\",\"typ\":\"JWT\"");
	if (!key->omit_kid)
	{
		appendStringInfoString(&header, ",\"kid\":");
		escape_json(&header, key->kid);
	}
	appendStringInfoChar(&header, '}');

	initStringInfo(&token);
	enlargeStringInfo(&token, (int) (us_b64url_encoded_len(header.len) +
									 us_b64url_encoded_len(claims_len) +
									 us_b64url_encoded_len(sizeof(mac)) + 2));
	us_b64url_encode(token.data, (const unsigned char *) header.data, header.len);
	token.len = (int) strlen(token.data);
	appendStringInfoChar(&token, '.');
	us_b64url_encode(token.data + token.len, (const unsigned char *) claims_json, claims_len);
	token.len += (int) strlen(token.data + token.len);
	signed_len = token.len;

	us_hmac_sha256(mac, (const char *) key->secret, key->secret_len, token.data, signed_len);
	appendStringInfoChar(&token, '.');
	us_b64url_encode(token.data + token.len, mac, sizeof(mac));
	token.len += (int) strlen(token.data + token.len);
	sodium_memzero(mac, sizeof(mac));
	pfree(header.data);
	return token.data;
}

/* A base64url part decoded and parsed as a JSON object, or NULL. */
static Jsonb *
decode_object(const char *part, size_t len)
{
	unsigned char *buf;
	size_t		buf_len;
	Jsonb	   *jb = NULL;

	if (len > US_TOKEN_MAX_BYTES)
		return NULL;
	buf = palloc(len * 3 / 4 + 2);
	if (us_b64url_decode(buf, &buf_len, part, len))
		jb = us_json_object_parse((const char *) buf, buf_len, US_JSON_MAX_BYTES);
	pfree(buf);
	return jb;
}

/* Is the signature good under a key that may verify it? */
static bool
signature_ok(const JwtParts *parts, Jsonb *header, const Keyring *ring,
			 const char **why)
{
	JsonbValue *kid = us_claim(header, "kid");

	if (kid != NULL)
	{
		const SigningKey *key;

		if (kid->type != jbvString)
		{
			*why = "The token's \"kid\" is not a string.";
			return false;
		}
		key = us_keyring_find(ring, kid->val.string.val, kid->val.string.len);
		if (key == NULL)
		{
			*why = "The token's key is unknown or retired.";
			return false;
		}
		if (!us_jwt_signature_ok(parts, (const char *) key->secret, key->secret_len))
		{
			*why = "The token signature does not match.";
			return false;
		}
		return true;
	}

	/* No kid: any key that verifies may have signed it; try each, all of them. */
	{
		bool		ok = false;

		for (int i = 0; i < ring->nkeys; i++)
			ok |= us_jwt_signature_ok(parts, (const char *) ring->keys[i].secret,
									  ring->keys[i].secret_len);
		if (!ok)
			*why = "The token signature does not match.";
		return ok;
	}
}

Jsonb *
us_token_verify(const char *token, size_t len, const Keyring *ring,
				const char *audience, double now, const char **why)
{
	JwtParts	parts;
	Jsonb	   *header;
	Jsonb	   *claims;
	char	   *alg;
	TokenClaims tc;

	if (len > US_TOKEN_MAX_BYTES || !us_jwt_split(token, len, &parts))
	{
		*why = "The token is not three base64url parts joined by dots.";
		return NULL;
	}
	if ((header = decode_object(parts.header, parts.header_len)) == NULL)
	{
		*why = "The token header is not base64url-encoded JSON.";
		return NULL;
	}
	alg = us_claim_string(header, "alg");
	if (alg == NULL || strcmp(alg, "HS256") != 0)
	{
		*why = "The token is not signed with HS256.";
		return NULL;
	}
	/* An extension we must understand to accept the token: we know none. */
	if (us_claim(header, "crit") != NULL)
	{
		*why = "The token header names critical extensions.";
		return NULL;
	}
	if (!signature_ok(&parts, header, ring, why))
		return NULL;

	/* Only a token one of our keys signed gets this far. */
	if ((claims = decode_object(parts.payload, parts.payload_len)) == NULL)
	{
		*why = "The token claims are not base64url-encoded JSON.";
		return NULL;
	}
	if (!us_claims_check(claims, now, 0, &tc, why))
		return NULL;
	if (audience != NULL && audience[0] != '\0' &&
		!us_claim_has_string(claims, "aud", audience))
	{
		*why = "The token is not meant for this audience.";
		return NULL;
	}
	return claims;
}

/* A numeric claim as a finite double; false when it is not a number. */
static bool
number_of(JsonbValue *v, double *out)
{
	if (v->type != jbvNumeric)
		return false;
	*out = DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
											  NumericGetDatum(v->val.numeric)));
	return isfinite(*out);
}

/* Is a numeric claim a whole number, digit for digit (a double rounds .0000001 away)? */
static bool
whole(JsonbValue *v)
{
	char	   *s = DatumGetCString(DirectFunctionCall1(numeric_out,
													   NumericGetDatum(v->val.numeric)));
	char	   *dot = strchr(s, '.');

	if (strpbrk(s, "eEnN") != NULL)		/* no exponent, no NaN or Infinity */
		return false;
	if (dot != NULL)
	{
		for (char *p = dot + 1; *p; p++)
			if (*p != '0')
				return false;
	}
	return true;
}

static bool
is_time(double t)
{
	return t >= 0 && t <= US_CLAIMS_MAX_TIME;
}

/* "42" or 42 as a positive int64; false for anything else. */
static bool
parse_sub(JsonbValue *v, int64 *out)
{
	char		buf[24];
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
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	n = strtoll(buf, &end, 10);
	if (errno != 0 || *end != '\0' || n <= 0)
		return false;
	*out = (int64) n;
	return true;
}

bool
us_claims_sub(Jsonb *claims, bool *present, int64 *sub)
{
	JsonbValue *v = us_claim(claims, "sub");

	*present = false;
	*sub = 0;
	if (v == NULL)
		return true;
	if (!parse_sub(v, sub))
		return false;
	*present = true;
	return true;
}

bool
us_claims_check(Jsonb *claims, double now, double skew, TokenClaims *out,
				const char **why)
{
	JsonbValue *v;
	double		t;

	memset(out, 0, sizeof(*out));

	v = us_claim(claims, "exp");
	if (v == NULL)
	{
		*why = "The token has no \"exp\" claim.";
		return false;
	}
	if (!number_of(v, &t) || !is_time(t) || !whole(v))
	{
		*why = "Claim \"exp\" is not a time in whole seconds.";
		return false;
	}
	if (!(t > now - skew))
	{
		*why = "The token has expired.";
		return false;
	}
	out->exp = t;

	if ((v = us_claim(claims, "nbf")) != NULL)
	{
		if (!number_of(v, &t) || !is_time(t))
		{
			*why = "Claim \"nbf\" is not a time.";
			return false;
		}
		if (t > now + skew)
		{
			*why = "The token is not valid yet.";
			return false;
		}
	}
	if ((v = us_claim(claims, "iat")) != NULL &&
		(!number_of(v, &t) || !is_time(t)))
	{
		*why = "Claim \"iat\" is not a time.";
		return false;
	}
	if (!us_claims_sub(claims, &out->has_sub, &out->sub))
	{
		*why = "Claim \"sub\" is not a user id.";
		return false;
	}
	if ((v = us_claim(claims, "tv")) != NULL)
	{
		if (!number_of(v, &out->tv) || !whole(v))
		{
			*why = "Claim \"tv\" is not a number.";
			return false;
		}
		out->has_tv = true;
	}
	return true;
}
