/*
 * jwt.c: base64url and HMAC-SHA256 for HS256 tokens, through libsodium.
 */
#include "jwt.h"

#include <string.h>

#include <sodium.h>

bool
us_jwt_split(const char *token, size_t len, JwtParts *parts)
{
	const char *dot1 = memchr(token, '.', len);
	const char *dot2;

	if (dot1 == NULL)
		return false;
	dot2 = memchr(dot1 + 1, '.', len - (size_t) (dot1 + 1 - token));
	if (dot2 == NULL || memchr(dot2 + 1, '.', len - (size_t) (dot2 + 1 - token)) != NULL)
		return false;

	parts->header = token;
	parts->header_len = (size_t) (dot1 - token);
	parts->payload = dot1 + 1;
	parts->payload_len = (size_t) (dot2 - dot1 - 1);
	parts->signature = dot2 + 1;
	parts->signature_len = len - (size_t) (dot2 + 1 - token);
	return parts->header_len > 0 && parts->payload_len > 0 && parts->signature_len > 0;
}

size_t
us_b64url_encoded_len(size_t n)
{
	return sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

void
us_b64url_encode(char *out, const unsigned char *in, size_t n)
{
	sodium_bin2base64(out, us_b64url_encoded_len(n), in, n,
					  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

bool
us_b64url_decode(unsigned char *out, size_t *out_len, const char *in, size_t in_len)
{
	const char *end = NULL;

	/*
	 * libsodium 1.0.18 reads bytes >= 0x80 as '_' (signed char): check the
	 * alphabet here, so that one token has exactly one spelling.
	 */
	for (size_t i = 0; i < in_len; i++)
	{
		unsigned char c = (unsigned char) in[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			  (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
	}
	if (sodium_base642bin(out, in_len * 3 / 4 + 1, in, in_len, NULL, out_len, &end,
						  sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return false;
	return end == in + in_len;
}

void
us_hmac_sha256(unsigned char mac[32], const char *key, size_t key_len,
			   const char *msg, size_t msg_len)
{
	crypto_auth_hmacsha256_state state;

	crypto_auth_hmacsha256_init(&state, (const unsigned char *) key, key_len);
	crypto_auth_hmacsha256_update(&state, (const unsigned char *) msg, msg_len);
	crypto_auth_hmacsha256_final(&state, mac);
	sodium_memzero(&state, sizeof(state));
}

bool
us_jwt_signature_ok(const JwtParts *parts, const char *key, size_t key_len)
{
	unsigned char expected[crypto_auth_hmacsha256_BYTES];
	unsigned char given[crypto_auth_hmacsha256_BYTES + 4];
	size_t		given_len = 0;
	bool		ok;

	/* 32 bytes encode to exactly 43 characters; anything else is not ours. */
	if (parts->signature_len != 43 ||
		!us_b64url_decode(given, &given_len, parts->signature, parts->signature_len) ||
		given_len != sizeof(expected))
		return false;

	us_hmac_sha256(expected, key, key_len, parts->header,
				   parts->header_len + 1 + parts->payload_len);
	ok = sodium_memcmp(expected, given, sizeof(expected)) == 0;
	sodium_memzero(expected, sizeof(expected));
	return ok;
}
