/*
 * key_store.h: data access for userservice.signing_keys, through SPI. Only
 * the keyring and the key service call it.
 */
#ifndef USERSERVICE_KEY_STORE_H
#define USERSERVICE_KEY_STORE_H

#include "postgres.h"

#include "keyring.h"

/* userservice.signing_keys' OID, or InvalidOid before schema 1.3. */
extern Oid	key_store_relid(void);

/*
 * The keys that sign or verify, the signing key first, copied into cxt.
 * The copies SPI made of each secret are wiped before SPI_finish.
 */
extern int	key_store_load(MemoryContext cxt, SigningKey **keys);

/* Add an HS256 key that signs from now on; the key that signed verifies. */
extern void key_store_add(const char *kid, const unsigned char *secret, size_t len);

typedef enum KeyRetireResult
{
	KEY_RETIRED,
	KEY_NOT_FOUND,
	KEY_IS_SIGNING
} KeyRetireResult;

/* Retire a verifying key: its secret is wiped and its tokens refused. */
extern KeyRetireResult key_store_retire(const char *kid);

#endif
