/*
 * fuzz_phc.c: libFuzzer harness for the PHC-string check of src/password.c
 * (us_password_is_phc, us_password_needs_rehash): import_users hands it
 * whatever password_hash a client sends. No hash is computed here.
 *
 * Properties: no memory error; an accepted string is NUL-free, shorter than
 * crypto_pwhash_STRBYTES and starts with "$argon2id$v=19$m="; and, when
 * built with -DPHC_COST_BOUND (fuzz_phc_strict), an accepted string
 * names a cost a login can afford (t <= 1000 passes, m <= 4 GiB: the limits
 * of the userservice.password_hash_* settings). That last property fails
 * today: see test/reliability/README.md (finding: import_users accepts any
 * argon2id cost); "make known" replays its reproducer.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "password.h"

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

	ok = us_password_is_phc(s, size);
	(void) us_password_needs_rehash(s, 2, 19 * 1024 * 1024);

	if (ok)
	{
		if (memchr(s, '\0', size) != NULL || size >= crypto_pwhash_STRBYTES ||
			strncmp(s, "$argon2id$v=19$m=", 17) != 0)
			fail("accepted a string that is not an argon2id PHC string", data, size);
#ifdef PHC_COST_BOUND
		{
			unsigned long m = 0, t = 0, p = 0;

			if (sscanf(s, "$argon2id$v=19$m=%lu,t=%lu,p=%lu$", &m, &t, &p) != 3)
				fail("accepted a string whose cost cannot be read", data, size);
			if (t > 1000 || m > 4UL * 1024 * 1024)
				fail("accepted a hash whose cost no login can afford", data, size);
		}
#endif
	}
	free(s);
	return 0;
}
