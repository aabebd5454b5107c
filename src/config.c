/*
 * config.c: every userservice.* setting, defined together.
 *
 * Each setting that changes security is PGC_SUSET: only a superuser may set
 * it (in postgresql.conf, ALTER SYSTEM/DATABASE/ROLE, or SET).
 */
#include "postgres.h"

#include "utils/guc.h"

#include "config.h"

int			us_password_hash_iterations = US_HASH_ITERATIONS_MIN;
int			us_password_hash_memory_kb = US_HASH_MEMORY_MIN_KB;

void
us_define_settings(void)
{
	DefineCustomIntVariable("userservice.password_hash_iterations",
							"argon2id time cost (passes) of new password hashes.",
							"At least 2, OWASP's floor. Older hashes are upgraded at the next successful login.",
							&us_password_hash_iterations,
							US_HASH_ITERATIONS_MIN, US_HASH_ITERATIONS_MIN, 1000,
							PGC_SUSET, 0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("userservice.password_hash_memory",
							"argon2id memory cost of new password hashes.",
							"At least 19MB, OWASP's floor. Each hash in progress holds this much memory.",
							&us_password_hash_memory_kb,
							US_HASH_MEMORY_MIN_KB, US_HASH_MEMORY_MIN_KB, 4 * 1024 * 1024,
							PGC_SUSET, GUC_UNIT_KB,
							NULL, NULL, NULL);

	MarkGUCPrefixReserved("userservice");
}
