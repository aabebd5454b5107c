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

/*
 * Does password match the stored PHC string? (constant time; 22023 as
 * above.) A stored hash cheaper than the current cost is padded to the time
 * a verification at the current cost takes in this backend (a running
 * average of those verifications, first measured on a dummy hash by the
 * backend's first call, whatever its account), so that an account with an
 * old hash answers as slowly as an unknown email.
 */
extern bool us_verify_password(const char *stored, text *password, const char *field);

/* A well-formed argon2id string at the current cost that matches no password. */
extern void us_dummy_hash(char *out, size_t size);

/* Is stored cheaper (or other) than the current cost settings? */
extern bool us_hash_is_outdated(const char *stored);

#endif
