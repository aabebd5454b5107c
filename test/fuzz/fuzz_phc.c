/*
 * fuzz_phc.c: libFuzzer harness for the PHC-string check of src/password.c
 * (us_password_is_phc, us_password_needs_rehash): import_users hands it
 * whatever password_hash a client sends. No hash is computed here.
 *
 * Properties: no memory error; an accepted string is NUL-free, shorter than
 * crypto_pwhash_STRBYTES, starts with "$argon2id$v=19$m=" and names a cost a
 * login can afford: p = 1, t and m no more than the bounds passed (the
 * import settings' defaults, 4 passes and 64 MiB, as the server passes them). An
 * unbounded cost made every login attempt on an imported account an
 * uninterruptible denial of service (t = 2^32-1 passed); fixed in 4162e09,
 * and kept here as a regression check (corpus/phc/big-t, big-m).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "password.h"

/* userservice.import_max_hash_iterations and _memory (kB) defaults. */
#define PHC_MAX_T 4UL
#define PHC_MAX_M (64UL * 1024)

static void
fail(const char *what, const uint8_t *data, size_t size)
{
	fprintf(stderr, "\nproperty broken: %s; input: %.*s\n", what, (int) size, (const char *) data);
	abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool initialized = false;
	char	   *s;
	bool		ok;

	if (!initialized)
	{
		if (sodium_init() < 0)
			abort();
		initialized = true;
	}

	/* the server always passes a NUL-terminated copy (text_to_cstring) */
	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';

	ok = us_password_is_phc(s, size, PHC_MAX_T, PHC_MAX_M);
	(void) us_password_needs_rehash(s, 2, 19 * 1024 * 1024);

	if (ok)
	{
		if (memchr(s, '\0', size) != NULL || size >= crypto_pwhash_STRBYTES ||
			strncmp(s, "$argon2id$v=19$m=", 17) != 0)
			fail("accepted a string that is not an argon2id PHC string", data, size);
		{
			unsigned long m = 0, t = 0, p = 0;

			if (sscanf(s, "$argon2id$v=19$m=%lu,t=%lu,p=%lu$", &m, &t, &p) != 3)
				fail("accepted a string whose cost cannot be read", data, size);
			if (p != 1 || t > PHC_MAX_T || m > PHC_MAX_M)
				fail("accepted a hash whose cost no login can afford", data, size);
		}
	}
	free(s);
	return 0;
}
