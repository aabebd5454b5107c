/*
 * token.h: JSON Web Tokens, the whole byte-level job: signing with a key of
 * the keyring, and reading a token back (split, base64url, header, key by
 * kid, signature in constant time, claims), and the strict claim rules that
 * a token and request.jwt.claims must both follow. Policy (who may have a
 * token, revocation) is the auth service's.
 */
#ifndef USERSERVICE_TOKEN_H
#define USERSERVICE_TOKEN_H

#include "postgres.h"

#include "utils/jsonb.h"

#include "keyring.h"

/* Longest token read. */
#define US_TOKEN_MAX_BYTES 16384

/* PostgREST accepts exp and nbf with this much clock skew. */
#define US_CLAIMS_SKEW_SECONDS 30

/* exp, nbf and iat beyond this (the year 9999) are not times. */
#define US_CLAIMS_MAX_TIME 253402300799.0

/* The claims userservice reads, after us_claims_check. */
typedef struct TokenClaims
{
	int64		sub;			/* 0 when absent */
	bool		has_sub;
	bool		has_tv;
	double		tv;
	double		exp;
} TokenClaims;

/*
 * A signed token for the JSON claims, with key's kid in its header unless
 * the key omits it. palloc'd.
 */
extern char *us_token_sign(const SigningKey *key, const char *claims_json);

/*
 * The claims of token when its signature is good under one of ring's
 * verifying keys, its claims pass us_claims_check with no skew at time
 * now, and aud holds audience when that is set; NULL with *why set (a DETAIL sentence) otherwise. Never raises for
 * bad input.
 */
extern Jsonb *us_token_verify(const char *token, size_t len, const Keyring *ring,
							  const char *audience, double now, const char **why);

/*
 * The strict claim rules: exp required, an integer of a sane size, later
 * than now - skew; nbf and iat numbers when present, nbf not after
 * now + skew; sub, when present, a positive integer or its decimal string;
 * tv, when present, a number. false with *why set otherwise.
 */
extern bool us_claims_check(Jsonb *claims, double now, double skew,
							TokenClaims *out, const char **why);

/* The sub claim: false when present but not a positive integer or its decimal string. */
extern bool us_claims_sub(Jsonb *claims, bool *present, int64 *sub);

#endif
