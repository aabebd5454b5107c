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

#include "page.h"
#include "utils/tuplestore.h"
#include "caller.h"
#include "user_store.h"

/* Which schema's update_user rules apply (its SQL names the entry point). */
typedef enum UserSchema
{
	USER_SCHEMA_1_0,			/* no token_version */
	USER_SCHEMA_1_1,			/* a password, deactivation or role change revokes tokens */
	USER_SCHEMA_1_3				/* an administrator's new password clears the login throttle */
} UserSchema;

/* PT404 "user not found" naming the id. */
extern void user_service_raise_not_found(int64 id) pg_attribute_noreturn();

/* The email as stored and looked up: NFC (ASCII is returned as it is). */
extern text *user_service_normalize_email(text *email);

extern void user_service_create(const Caller *caller, text *email, text *password,
								text *display_name, UserRow *out);
extern void user_service_get(const Caller *caller, int64 id, UserRow *out);
extern void user_service_get_by_email(const Caller *caller, text *email, UserRow *out);

/*
 * expected_version is checked only when check_version is true. The
 * caller's rights on the user and on each key are checked here.
 */
extern void user_service_update(const Caller *caller, int64 id, Jsonb *patch,
								bool check_version, int32 expected_version,
								UserSchema schema, UserRow *out);

extern void user_service_delete(const Caller *caller, int64 id);

/* A page of users into a tuplestore of user_profile rows (admins). */
extern void user_service_list(const Caller *caller, const PageArgs *page,
							  Tuplestorestate *into, TupleDesc desc);

#endif
