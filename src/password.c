/*
 * password.c: argon2id through libsodium.
 */
#include "password.h"

#include <string.h>

bool
us_password_hash(char *out, const char *password, size_t len,
				 unsigned long long iterations, size_t memory_bytes)
{
	return crypto_pwhash_str_alg(out, password, len, iterations, memory_bytes,
								 crypto_pwhash_ALG_ARGON2ID13) == 0;
}

bool
us_password_verify(const char *stored, const char *password, size_t len)
{
	return crypto_pwhash_str_verify(stored, password, len) == 0;
}

bool
us_password_needs_rehash(const char *stored, unsigned long long iterations,
						 size_t memory_bytes)
{
	/* 0: same cost; 1: other cost or algorithm; -1: not a hash it knows. */
	return crypto_pwhash_str_needs_rehash(stored, iterations, memory_bytes) != 0;
}

bool
us_password_is_phc(const char *s, size_t len)
{
	static const char prefix[] = "$argon2id$v=19$m=";

	if (len >= US_HASH_MAX_LEN || len < sizeof(prefix) - 1 ||
		memcmp(s, prefix, sizeof(prefix) - 1) != 0)
		return false;
	/* A string the verifier can parse: needs_rehash returns -1 otherwise. */
	return memchr(s, '\0', len) == NULL &&
		crypto_pwhash_str_needs_rehash(s, crypto_pwhash_OPSLIMIT_MIN,
									   crypto_pwhash_MEMLIMIT_MIN) != -1;
}
