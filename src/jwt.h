/*
 * jwt.h: HS256 JSON Web Tokens, the byte-level part: base64url without
 * padding, HMAC-SHA256 signatures, constant-time comparison (libsodium).
 *
 * Plain C: no JSON and no PostgreSQL here, so a fuzzer can link it alone.
 * Reading the JSON of the header and claims is claims.c's job.
 */
#ifndef USERSERVICE_JWT_H
#define USERSERVICE_JWT_H

#include <stdbool.h>
#include <stddef.h>

/* The three parts of a compact JWT, as spans of the token text. */
typedef struct JwtParts
{
	const char *header;
	size_t		header_len;
	const char *payload;
	size_t		payload_len;
	const char *signature;
	size_t		signature_len;
} JwtParts;

/* Split at the two dots; false unless there are exactly three non-empty-signed parts. */
extern bool us_jwt_split(const char *token, size_t len, JwtParts *parts);

/* Bytes needed to base64url-encode n bytes (with the NUL). */
extern size_t us_b64url_encoded_len(size_t n);

/* Encode n bytes of in into out (us_b64url_encoded_len(n) bytes). */
extern void us_b64url_encode(char *out, const unsigned char *in, size_t n);

/*
 * Decode base64url without padding into out (room for in_len * 3 / 4 + 1
 * bytes); *out_len gets the length. False on any character outside the
 * alphabet, padding, or trailing garbage.
 */
extern bool us_b64url_decode(unsigned char *out, size_t *out_len,
							 const char *in, size_t in_len);

/* HMAC-SHA256 of msg under key (any length) into mac[32]. */
extern void us_hmac_sha256(unsigned char mac[32], const char *key, size_t key_len,
						   const char *msg, size_t msg_len);

/*
 * True when the signature part is the base64url HMAC-SHA256 of
 * "header.payload" under key, compared in constant time.
 */
extern bool us_jwt_signature_ok(const JwtParts *parts, const char *key, size_t key_len);

#endif
