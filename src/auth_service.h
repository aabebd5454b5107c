/*
 * auth_service.h: login, tokens, revocation and the login throttle's
 * entry points (core/security and the auth dependencies of the usual stack).
 * Schema 1.3 on; auth_legacy.h serves the SQL of schemas 1.1 and 1.2.
 */
#ifndef USERSERVICE_AUTH_SERVICE_H
#define USERSERVICE_AUTH_SERVICE_H

#include "postgres.h"

#include "utils/jsonb.h"
#include "utils/tuplestore.h"

#include "auth_store.h"
#include "caller.h"
#include "keyring.h"

typedef struct LoginResult
{
	char	   *access_token;
	int32		expires_in;
} LoginResult;

/*
 * 28P01 for a wrong password, an unknown email or an inactive account alike;
 * PT429 when the throttle's budget is spent; PT503 when the attempt cannot
 * be counted.
 */
extern void auth_service_login(const Caller *caller, text *email, text *password,
							   LoginResult *out);

/* The claims of a valid, unrevoked token; 28000 for anything else. */
extern Jsonb *auth_service_verify(const Caller *caller, text *token);

/* db-pre-request: the caller was classified, which refused a bad token. */
extern void auth_service_check_request(const Caller *caller);

extern void auth_service_change_password(const Caller *caller, text *current_password,
										 text *new_password);

extern void auth_service_logout_all(const Caller *caller, int64 user_id);

/* The login throttle's counts for an email (admins). */
extern void auth_service_login_attempts(const Caller *caller, text *email,
										Tuplestorestate *into, TupleDesc desc);

/* Clear a user's login throttle (admins). */
extern void auth_service_unlock(const Caller *caller, int64 user_id);

/* A signed access token for account under key, into out. */
extern void auth_service_issue(const SigningKey *key, const LoginAccount *account,
							   LoginResult *out);

/* The password rules for a new password (22023 naming field). */
extern void auth_service_check_new_password(text *password, const char *field);


#endif
