/*
 * auth_legacy.h: login, verify_token and change_password as the SQL of
 * schemas 1.1 and 1.2 calls them (the .so on disk serves every version):
 * the secret in userservice.jwt_secret, the lockout of login_failures.
 * Frozen; 1.3 replaced each (auth_service.h, login_throttle.h).
 */
#ifndef USERSERVICE_AUTH_LEGACY_H
#define USERSERVICE_AUTH_LEGACY_H

#include "postgres.h"

#include "utils/jsonb.h"

#include "auth_service.h"
#include "caller.h"

extern void auth_legacy_login(text *email, text *password, LoginResult *out);
extern Jsonb *auth_legacy_verify(text *token);
extern void auth_legacy_change_password(const Caller *caller, text *current_password,
										text *new_password);

#endif
