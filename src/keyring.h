/*
 * keyring.h: the signing keys of userservice.signing_keys, cached per
 * backend. The cache lives in a memory context of its own whose reset wipes
 * every secret; a trigger on the table sends a relcache invalidation that
 * makes every backend reload at its next use.
 */
#ifndef USERSERVICE_KEYRING_H
#define USERSERVICE_KEYRING_H

#include "postgres.h"

/* A kid is 32 hex digits here; tokens may carry longer ones, never ours. */
#define US_KID_MAX_LEN 64

#define US_SECRET_MIN_BYTES 32
#define US_SECRET_MAX_BYTES 1024

typedef struct SigningKey
{
	char		kid[US_KID_MAX_LEN + 1];
	bool		signs;			/* state 'signing': the one key that signs */
	bool		omit_kid;		/* its tokens carry no kid */
	unsigned char *secret;		/* HS256 secret */
	size_t		secret_len;
} SigningKey;

typedef struct Keyring
{
	int			nkeys;			/* keys that sign or verify; signing first */
	SigningKey *keys;
} Keyring;

/* The current keys (loaded once, then from the cache). */
extern const Keyring *us_keyring(void);

/* The key that signs; 55000 when there is none. */
extern const SigningKey *us_keyring_signing_key(const Keyring *ring);

/* The verifying key with this kid, or NULL. */
extern const SigningKey *us_keyring_find(const Keyring *ring, const char *kid, size_t len);

#endif
