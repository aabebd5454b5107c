/*
 * key_service.h: managing signing keys (superusers only) and publishing
 * them as a JSON Web Key Set for PostgREST's jwt-secret.
 */
#ifndef USERSERVICE_KEY_SERVICE_H
#define USERSERVICE_KEY_SERVICE_H

#include "postgres.h"

#include "utils/jsonb.h"

#include "caller.h"

/* Add a key (secret NULL: 32 random bytes) that signs from now on; its kid. */
extern char *key_service_create(const Caller *caller, text *alg, text *secret);

extern void key_service_retire(const Caller *caller, text *kid);

/* {"keys": [...]}: symmetric keys only with include_secrets. */
extern Jsonb *key_service_jwks(const Caller *caller, bool include_secrets);

#endif
