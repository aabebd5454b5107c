/*
 * user_service.h: the business rules of accounts.
 *
 * Validation, case-insensitive uniqueness, hashing, patch semantics and
 * version checks; knows nothing of fmgr. Every failure is a domain error
 * (errors.h) raised here.
 */
#ifndef USERSERVICE_USER_SERVICE_H
#define USERSERVICE_USER_SERVICE_H

#include "postgres.h"

#include "utils/jsonb.h"

#include "caller.h"
#include "user_store.h"

/* PT404 "user not found" naming the id. */
extern void user_service_raise_not_found(int64 id) pg_attribute_noreturn();

extern void user_service_create(text *email, text *password,
								text *display_name, UserRow *out);
extern void user_service_get(int64 id, UserRow *out);
extern void user_service_get_by_email(text *email, UserRow *out);

/*
 * expected_version is checked only when check_version is true. A password
 * change revokes the user's tokens when revoke_tokens (schema 1.1 on).
 * The caller's rights on the user and on each key are checked here.
 */
extern void user_service_update(const Caller *caller, int64 id, Jsonb *patch,
								bool check_version, int32 expected_version,
								bool revoke_tokens, UserRow *out);

extern void user_service_delete(int64 id);

#endif
