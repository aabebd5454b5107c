/*
 * hashing.h: argon2id work inside the server: at the configured cost, and
 * within userservice.max_concurrent_hashes so that the memory all backends
 * spend on hashing at once stays inside a budget.
 */
#ifndef USERSERVICE_HASHING_H
#define USERSERVICE_HASHING_H

#include "postgres.h"

#include "password.h"

/* Check password against the rules (22023 naming field) and hash it into out. */
extern void us_hash_new_password(text *password, const char *field, char *out);

/* Does password match the stored PHC string? (constant time) */
extern bool us_verify_password(const char *stored, text *password);

/* Is stored cheaper (or other) than the current cost settings? */
extern bool us_hash_is_outdated(const char *stored);

#endif
