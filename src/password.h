/*
 * password.h: argon2id password hashes (libsodium), in PHC string form.
 *
 * Plain C over libsodium; the caller passes the cost, reads the settings and
 * reports errors. Memory is in bytes here, kB in the settings.
 */
#ifndef USERSERVICE_PASSWORD_H
#define USERSERVICE_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#include <sodium.h>

#define US_HASH_MAX_LEN crypto_pwhash_STRBYTES

/*
 * Hash password into out (US_HASH_MAX_LEN bytes, NUL-terminated).
 * Returns false only when libsodium cannot allocate the memory cost.
 */
extern bool us_password_hash(char *out, const char *password, size_t len,
							 unsigned long long iterations, size_t memory_bytes);

/* True when password matches the stored PHC string (constant time). */
extern bool us_password_verify(const char *stored, const char *password, size_t len);

/*
 * True when stored is cheaper than this cost (fewer passes or less memory),
 * or not an argon2id string at all. A stronger hash is left as it is.
 */
extern bool us_password_needs_rehash(const char *stored,
									 unsigned long long iterations,
									 size_t memory_bytes);

/* -1, 0 or 1 as stored is cheaper than, the same as or dearer than this cost (-1: unreadable). */
extern int	us_password_cost_cmp(const char *stored, unsigned long long iterations,
								 size_t memory_bytes);

/*
 * True when s is an argon2id PHC string libsodium can verify, with p=1 and
 * a cost no dearer than max_iterations passes and max_memory_kb (every login
 * attempt on that account pays it).
 */
extern bool us_password_is_phc(const char *s, size_t len, unsigned long max_iterations,
							   unsigned long max_memory_kb);

#endif
