/*
 * auth_service.h: login, tokens, revocation (core/security and the auth
 * dependencies of the usual stack).
 */
#ifndef USERSERVICE_AUTH_SERVICE_H
#define USERSERVICE_AUTH_SERVICE_H

#include "postgres.h"

#include "utils/jsonb.h"

#include "caller.h"

typedef struct LoginResult
{
	char	   *access_token;
	int32		expires_in;
} LoginResult;

/* 28P01 for a wrong password, an unknown email or an inactive account alike;
 * PT429 while the account is locked out. */
extern void auth_service_login(text *email, text *password, LoginResult *out);

/* The claims of a valid token; 28000 for anything else. */
extern Jsonb *auth_service_verify(text *token);

/* db-pre-request: 28000 when the caller's token is no longer good. */
extern void auth_service_check_request(const Caller *caller);

extern void auth_service_change_password(const Caller *caller, text *current_password,
										 text *new_password);

extern void auth_service_logout_all(const Caller *caller, int64 user_id);

#endif
