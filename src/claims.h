/*
 * claims.h: the JSON side of tokens: reading untrusted JSON without ever
 * throwing, building the claims we sign, and reading one claim.
 */
#ifndef USERSERVICE_CLAIMS_H
#define USERSERVICE_CLAIMS_H

#include "postgres.h"

#include "utils/jsonb.h"

/* Largest token header or payload (or request.jwt.claims) we read, in bytes. */
#define US_JSON_MAX_BYTES 8192

/* Largest request.headers we read for the client address, in bytes. */
#define US_HEADERS_MAX_BYTES 65536

/*
 * Parse untrusted bytes as a JSON object: NULL for anything malformed,
 * longer than max_bytes, too deep, not valid UTF-8, or holding a number or
 * escape jsonb would refuse. Never raises an error for bad input.
 */
extern Jsonb *us_json_object_parse(const char *s, size_t len, size_t max_bytes);

/* The value of key in object jb, or NULL. */
extern JsonbValue *us_claim(Jsonb *jb, const char *key);

/* A string claim as a C string, or NULL when absent or not a string. */
extern char *us_claim_string(Jsonb *jb, const char *key);

/* Is the claim this string, or an array holding it (as aud may be)? */
extern bool us_claim_has_string(Jsonb *jb, const char *key, const char *value);

/* The claims we sign, as JSON text. */
extern char *us_claims_build(int64 user_id, const char *role, int64 iat, int64 exp,
							 int32 token_version, const char *audience);

#endif
