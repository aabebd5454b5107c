/*
 * config.h: the userservice.* settings (GUCs), defined in one place.
 */
#ifndef USERSERVICE_CONFIG_H
#define USERSERVICE_CONFIG_H

/* argon2id cost of new hashes; OWASP's floor is the minimum allowed. */
#define US_HASH_ITERATIONS_MIN 2
#define US_HASH_MEMORY_MIN_KB (19 * 1024)

extern int	us_password_hash_iterations;
extern int	us_password_hash_memory_kb;

extern void us_define_settings(void);

#endif
