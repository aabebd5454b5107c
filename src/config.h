/*
 * config.h: the userservice.* settings (GUCs), defined in one place.
 */
#ifndef USERSERVICE_CONFIG_H
#define USERSERVICE_CONFIG_H

/* argon2id cost of new hashes; OWASP's floor is the minimum allowed. */
#define US_HASH_ITERATIONS_MIN 2
#define US_HASH_MEMORY_MIN_KB (19 * 1024)

#define US_JWT_SECRET_MIN_BYTES 32

extern int	us_password_hash_iterations;
extern int	us_password_hash_memory_kb;
extern int	us_max_concurrent_hashes;
extern char *us_jwt_secret;
extern int	us_jwt_lifetime;
extern char *us_jwt_audience;
extern int	us_login_max_failures;
extern int	us_login_lockout;
extern int	us_login_lockout_max;
extern int	us_login_window;
extern int	us_login_max_account_failures;
extern int	us_login_max_address_failures;
extern int	us_login_worker_idle_ms;
extern char *us_login_address_header;
extern int	us_import_max_hash_memory_kb;
extern int	us_import_max_hash_iterations;

extern void us_define_settings(void);

#endif
