/*
 * auth_store.h: data access for login, tokens and the lockout counter
 * (userservice.users.token_version, userservice.login_failures).
 */
#ifndef USERSERVICE_AUTH_STORE_H
#define USERSERVICE_AUTH_STORE_H

#include "postgres.h"

#include "datatype/timestamp.h"

/* What login needs to know of the account an email names. */
typedef struct LoginAccount
{
	int64		id;
	char	   *hashed_password;
	bool		is_active;
	bool		is_admin;
	int32		token_version;
	bool		has_lock;
	TimestampTz locked_until;
	int32		failures;		/* schemas 1.1 and 1.2 */
	text	   *email;
} LoginAccount;

/* What check_request needs to know of a token's user. */
typedef struct TokenState
{
	bool		is_active;
	bool		is_admin;
	int32		token_version;
} TokenState;

extern bool auth_store_find_login(text *email, LoginAccount *out);
extern bool auth_store_find_login_by_id(int64 user_id, LoginAccount *out);
extern bool auth_store_token_state(int64 user_id, TokenState *out);

/* Schemas 1.1 and 1.2: with the lockout of login_failures. */
extern bool auth_store_find_login_legacy(text *email, LoginAccount *out);
extern void auth_store_clear_failures(int64 user_id);

/*
 * Count one failed login and set the lockout it earns. Runs in its own
 * transaction (failure_worker.c) so that it outlives the failed login's.
 * Returns the new failure count.
 */
extern int32 auth_store_record_failure(int64 user_id, int32 max_failures,
									   int32 lockout, int32 lockout_max);

#endif
