/*
 * config.c: every userservice.* setting, defined together.
 *
 * Each setting that changes security is PGC_SUSET: only a superuser may set
 * it (in postgresql.conf, ALTER SYSTEM/DATABASE/ROLE, or SET). The secret
 * belongs in postgresql.conf or ALTER SYSTEM only: per-database and per-role
 * settings are readable by every role in pg_db_role_setting.
 */
#include "postgres.h"

#include "utils/guc.h"

#include "config.h"

int			us_password_hash_iterations = US_HASH_ITERATIONS_MIN;
int			us_password_hash_memory_kb = US_HASH_MEMORY_MIN_KB;
int			us_max_concurrent_hashes = 8;
char	   *us_jwt_secret = NULL;
int			us_jwt_lifetime = 3600;
char	   *us_jwt_audience = NULL;
int			us_login_max_failures = 10;
int			us_login_lockout = 60;
int			us_login_lockout_max = 86400;
int			us_login_window = 900;
int			us_login_max_account_failures = 100;
int			us_login_worker_idle_ms = 1000;
int			us_login_max_address_failures = 100;
char	   *us_login_address_header = NULL;
int			us_import_max_hash_memory_kb = 0;
int			us_import_max_hash_iterations = 0;

/* Refuse a short secret; never echo the value in the message. */
static bool
check_jwt_secret(char **newval, void **extra, GucSource source)
{
	if (*newval != NULL && (*newval)[0] != '\0' &&
		strlen(*newval) < US_JWT_SECRET_MIN_BYTES)
	{
		GUC_check_errcode(ERRCODE_INVALID_PARAMETER_VALUE);
		/* Replaces the usual message, which would quote the value. */
		GUC_check_errmsg("userservice.jwt_secret is too short");
		GUC_check_errdetail("The secret must be at least %d bytes long.",
							US_JWT_SECRET_MIN_BYTES);
		return false;
	}
	return true;
}

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

	DefineCustomIntVariable("userservice.max_concurrent_hashes",
							"Most argon2id hashes or verifications running at once in a database (0: no cap).",
							"Hashing memory is bounded by this times password_hash_memory; callers beyond it wait.",
							&us_max_concurrent_hashes,
							8, 0, 10000,
							PGC_SUSET, 0,
							NULL, NULL, NULL);

	/* GUC_SUPERUSER_ONLY: SHOW, current_setting() and pg_settings hide it. */
	DefineCustomStringVariable("userservice.jwt_secret",
							   "Schemas 1.1 and 1.2 only: the HS256 secret. Ignored from 1.3 on (userservice.signing_keys).",
							   "Every role can read it while the module is not loaded in its backend: remove it after upgrading to 1.3.",
							   &us_jwt_secret,
							   "",
							   PGC_SUSET, GUC_SUPERUSER_ONLY | GUC_NO_SHOW_ALL,
							   check_jwt_secret, NULL, NULL);

	DefineCustomIntVariable("userservice.jwt_lifetime",
							"Lifetime of the tokens login issues.",
							NULL,
							&us_jwt_lifetime,
							3600, 1, 30 * 86400,
							PGC_SUSET, GUC_UNIT_S,
							NULL, NULL, NULL);

	DefineCustomStringVariable("userservice.jwt_audience",
							   "When set, the aud claim of issued tokens, required of verified ones.",
							   "Match PostgREST's jwt-aud.",
							   &us_jwt_audience,
							   "",
							   PGC_SUSET, 0,
							   NULL, NULL, NULL);

	DefineCustomIntVariable("userservice.login_max_failures",
							"Failed logins per window to one email from one client address (or from anywhere when no address is known).",
							"Schemas 1.1 and 1.2: consecutive failed logins before a lockout.",
							&us_login_max_failures,
							10, 1, 1000,
							PGC_SUSET, 0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("userservice.login_lockout",
							"Schemas 1.1 and 1.2 only: first lockout after login_max_failures; it doubles with each further failure.",
							NULL,
							&us_login_lockout,
							60, 1, 86400,
							PGC_SUSET, GUC_UNIT_S,
							NULL, NULL, NULL);

	DefineCustomIntVariable("userservice.login_lockout_max",
							"Schemas 1.1 and 1.2 only: longest lockout after repeated failed logins.",
							NULL,
							&us_login_lockout_max,
							86400, 1, 30 * 86400,
							PGC_SUSET, GUC_UNIT_S,
							NULL, NULL, NULL);

	DefineCustomIntVariable("userservice.login_window",
							"Window over which failed logins are counted; a spent budget is refused until its window ends.",
							"Schema 1.3 on. A lockout lasts at most this long.",
							&us_login_window,
							900, 1, 86400,
							PGC_SUSET, GUC_UNIT_S,
							NULL, NULL, NULL);

	DefineCustomIntVariable("userservice.login_max_account_failures",
							"Failed logins per window to one email from all client addresses but those that logged in to it before.",
							"Schema 1.3 on; applies when a client address is known.",
							&us_login_max_account_failures,
							100, 1, 100000,
							PGC_SUSET, 0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("userservice.login_max_address_failures",
							"Failed logins per window from one client address to all emails.",
							"Schema 1.3 on; applies when a client address is known.",
							&us_login_max_address_failures,
							100, 1, 100000,
							PGC_SUSET, 0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("userservice.login_worker_idle",
							"How long a session's login-counting worker waits for the session's next login before it quits.",
							"Schema 1.3 on. Each session that logs in keeps a background worker that long; 0 quits after every attempt.",
							&us_login_worker_idle_ms,
							1000, 0, 600000,
							PGC_SUSET, GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomStringVariable("userservice.login_address_header",
							   "Request header (lower case) whose last element is the client address, as the reverse proxy sets it; empty: no address is known.",
							   "For example x-forwarded-for. Only set it when a proxy you run sets that header.",
							   &us_login_address_header,
							   "",
							   PGC_SUSET, 0,
							   NULL, NULL, NULL);

	DefineCustomIntVariable("userservice.import_max_hash_memory",
							"Dearest argon2id memory cost import_users accepts in a password_hash (0: password_hash_memory).",
							"Every login attempt on that email pays it; a dearer one than the current cost makes those logins slower than an unknown email's.",
							&us_import_max_hash_memory_kb,
							0, 0, 4 * 1024 * 1024,
							PGC_SUSET, GUC_UNIT_KB,
							NULL, NULL, NULL);

	DefineCustomIntVariable("userservice.import_max_hash_iterations",
							"Dearest argon2id time cost (passes) import_users accepts in a password_hash (0: password_hash_iterations).",
							"Every login attempt on that email pays it; a dearer one than the current cost makes those logins slower than an unknown email's.",
							&us_import_max_hash_iterations,
							0, 0, 1000,
							PGC_SUSET, 0,
							NULL, NULL, NULL);

	MarkGUCPrefixReserved("userservice");
}
