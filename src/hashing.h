/*
 * hashing.h: argon2id work inside the server: at the configured cost, and
 * within userservice.max_concurrent_hashes so that the memory all backends
 * spend on hashing at once stays inside a budget.
 */
#ifndef USERSERVICE_HASHING_H
#define USERSERVICE_HASHING_H

#include "postgres.h"

#include "password.h"

/*
 * Hash password into out at the current cost. The password rules are the
 * services' to check first; this only refuses (22023 naming field) more
 * than US_PASSWORD_MAX_BYTES, before any hashing.
 */
extern void us_hash_password(text *password, const char *field, char *out);

/* Does password match the stored PHC string? (constant time; 22023 as above) */
extern bool us_verify_password(const char *stored, text *password, const char *field);

/* Is stored cheaper (or other) than the current cost settings? */
extern bool us_hash_is_outdated(const char *stored);

#endif
