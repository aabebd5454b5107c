/*
 * password.c: argon2id through libsodium.
 */
#include "password.h"

#include <stdio.h>
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
	unsigned long m_kb;
	unsigned long t;
	unsigned long p;
	int			consumed = 0;

	/* libsodium's own check also replaces stronger hashes: read m and t. */
	if (sscanf(stored, "$argon2id$v=19$m=%lu,t=%lu,p=%lu$%n", &m_kb, &t, &p, &consumed) != 3 ||
		consumed == 0)
		return true;
	return t < iterations || (unsigned long long) m_kb * 1024 < memory_bytes;
}

int
us_password_cost_cmp(const char *stored, unsigned long long iterations, size_t memory_bytes)
{
	unsigned long m_kb;
	unsigned long t;
	unsigned long p;
	int			consumed = 0;
	unsigned long long m = 0;

	if (sscanf(stored, "$argon2id$v=19$m=%lu,t=%lu,p=%lu$%n", &m_kb, &t, &p, &consumed) != 3 ||
		consumed == 0)
		return -1;
	m = (unsigned long long) m_kb * 1024;
	if (t < iterations || m < memory_bytes)
		return -1;
	return (t == iterations && m == memory_bytes) ? 0 : 1;
}

bool
us_password_is_phc(const char *s, size_t len, unsigned long max_iterations,
				   unsigned long max_memory_kb)
{
	unsigned long m_kb;
	unsigned long t;
	unsigned long p;
	int			consumed = 0;

	if (len >= US_HASH_MAX_LEN || memchr(s, '\0', len) != NULL ||
		sscanf(s, "$argon2id$v=19$m=%lu,t=%lu,p=%lu$%n", &m_kb, &t, &p, &consumed) != 3 ||
		consumed == 0)
		return false;
	/* A stored cost is paid by every login attempt: keep it within the settings' range. */
	if (p != 1 || t < 1 || t > max_iterations || m_kb < 8 || m_kb > max_memory_kb)
		return false;
	/* A string the verifier can parse: needs_rehash returns -1 otherwise. */
	return crypto_pwhash_str_needs_rehash(s, crypto_pwhash_OPSLIMIT_MIN,
										  crypto_pwhash_MEMLIMIT_MIN) != -1;
}
