/*
 * user_store.h: data access for userservice.users, through SPI.
 *
 * Every statement is parameterized, schema-qualified to the operator, and
 * prepared once per backend (SPI_prepare + SPI_keepplan). Each function
 * connects to SPI, runs its one statement and copies the row it found into
 * the caller's memory context before SPI_finish.
 */
#ifndef USERSERVICE_USER_STORE_H
#define USERSERVICE_USER_STORE_H

#include "postgres.h"

#include "access/tupdesc.h"
#include "datatype/timestamp.h"
#include "utils/tuplestore.h"

/*
 * The case-folded email, as indexed by uq_users_email: ICU's root-locale
 * lowercasing, so that letter case is ignored the same way whatever the
 * database's locale (libc's lower() in locale "C" folds ASCII only).
 */
#define US_LOWER(x) "pg_catalog.lower(" x " COLLATE pg_catalog.\"und-x-icu\")"

/* A users row as the API shows it: never the hash. */
typedef struct UserRow
{
	int64		id;
	text	   *email;
	text	   *display_name;
	bool		is_active;
	text	   *role;
	int32		version;
	TimestampTz created_at;
	TimestampTz updated_at;
} UserRow;

/* The new values of an update; hashed_password NULL keeps the stored one. */
typedef struct UserChange
{
	text	   *email;
	text	   *display_name;
	bool		is_active;
	text	   *role;
	const char *hashed_password;
	bool		revoke_tokens;	/* bump token_version (schema 1.1 and later) */
} UserChange;

/* Insert; false when the email (in any letter case) is taken. */
extern bool user_store_insert(text *email, const char *hashed_password,
							  text *display_name, UserRow *out);

extern bool user_store_get(int64 id, UserRow *out);
extern bool user_store_get_for_update(int64 id, UserRow *out);
extern bool user_store_get_by_email(text *email, UserRow *out);

/* Is this email (any letter case) used by a user other than except_id? */
extern bool user_store_email_taken(text *email, int64 except_id);

typedef enum UserUpdateResult
{
	USER_UPDATED,
	USER_UPDATE_NOT_FOUND,
	USER_UPDATE_EMAIL_TAKEN		/* a concurrent writer took the new email */
} UserUpdateResult;

/*
 * Write every field of change to user id, bump version, move updated_at.
 * When email_changed, the write runs in a subtransaction so that losing a
 * race for the email comes back as USER_UPDATE_EMAIL_TAKEN, not as the
 * index's own error.
 */
extern UserUpdateResult user_store_update(int64 id, const UserChange *change,
										  bool email_changed, UserRow *out);

/*
 * Store a new hash without bumping the version (a cost upgrade at login),
 * only while the stored hash is still verified_hash; false when it changed.
 */
extern bool user_store_set_hash(int64 id, const char *hashed_password,
								const char *verified_hash);

/* Bump token_version: every token issued before is revoked. */
extern bool user_store_revoke_tokens(int64 id);

/* A new password: new hash, tokens revoked, version bumped. */
extern bool user_store_set_password(int64 id, const char *hashed_password);

extern bool user_store_delete(int64 id);

/*
 * The first of n emails that is registered already or appears twice among
 * them (any letter case), or NULL.
 */
extern text *user_store_first_duplicate_email(Datum *emails, int n);

/*
 * Insert n users in one statement; returns how many were inserted (fewer
 * when a concurrent session took an email) and their ids as an int8[].
 */
extern int	user_store_insert_many(Datum *emails, Datum *hashes, Datum *names,
								   int n, Datum *ids_array);

/*
 * Append a page of users in id order to a tuplestore of user_profile rows:
 * after after_id when has_after, skipping skip rows. Returns the row count.
 */
extern int	user_store_list(int64 after_id, bool has_after, int64 skip,
							int32 page_size, Tuplestorestate *into,
							TupleDesc into_desc);

#endif
