/*
 * login_throttle.h: the one home of the failed-login rule (schema 1.3).
 *
 * Failures are counted per window (userservice.login_window) for three
 * subjects: an email from one client address (budget login_max_failures),
 * an email from everywhere (login_max_account_failures, waived for an
 * address that has logged in to it successfully before), and an address
 * across every email (login_max_address_failures). With no client address
 * known, an email from everywhere has the budget login_max_failures. Emails
 * are counted whether or not they are registered, so both do the same
 * durable work and PT429 tells nothing about who has an account.
 *
 * Every attempt is reserved before the password is checked, by a background
 * worker whose upsert locks the subjects' rows in one order: concurrent
 * attempts cannot outrun the count. A budget already spent is refused
 * before any worker starts (only the worker's count may allow). A success
 * gives its reservation back. An attempt that cannot be counted is refused
 * with PT503. change_password's attempts count for the user's id instead of
 * its email, which the user may change.
 */
#ifndef USERSERVICE_LOGIN_THROTTLE_H
#define USERSERVICE_LOGIN_THROTTLE_H

#include "postgres.h"

#include "access/tupdesc.h"
#include "utils/tuplestore.h"

#define US_EMAIL_KEY_BYTES 16
#define US_ADDRESS_MAX_LEN 64

/* How long a successful login makes its address trusted for that email. */
#define US_TRUSTED_ADDRESS_DAYS 30

typedef enum ThrottleVerdict
{
	THROTTLE_UNKNOWN = 0,		/* the worker did not answer: refuse (PT503) */
	THROTTLE_ALLOWED,
	THROTTLE_LOCKED
} ThrottleVerdict;

/*
 * What the worker needs and what it answers, in the session's DSM slot.
 */
typedef struct ThrottleJob
{
	Oid			database;
	Oid			role;
	unsigned char email_key[US_EMAIL_KEY_BYTES];
	char		address[US_ADDRESS_MAX_LEN];	/* "" when not known */
	int32		max_failures;
	int32		max_account_failures;
	int32		max_address_failures;
	int32		window_seconds;
	/* answered by the worker */
	ThrottleVerdict verdict;
	int32		retry_after;
} ThrottleJob;

/* One attempt on one email, from the caller's address. */
typedef struct LoginAttempt
{
	unsigned char email_key[US_EMAIL_KEY_BYTES];
	char		address[US_ADDRESS_MAX_LEN];
} LoginAttempt;

/* The subjects of an attempt on email (NFC-normalized) from this request. */
extern void login_throttle_attempt(text *email, LoginAttempt *attempt);

/*
 * The subjects of a change_password attempt: the user's id rather than its
 * email, which the user may change at will.
 */
extern void login_throttle_attempt_for_user(int64 user_id, LoginAttempt *attempt);

/* Count the attempt before the password is checked: PT429 or PT503 else. */
extern void login_throttle_reserve(const LoginAttempt *attempt);

/*
 * The password was right: give the reservation back and trust the address,
 * in a worker too, so that the login's transaction holds no lock on the
 * throttle (a second login in it would wait for itself).
 */
extern void login_throttle_succeeded(const LoginAttempt *attempt);

/* The throttle's rows for email, as login_attempts() shows them. */
extern void login_throttle_status(text *email, Tuplestorestate *into, TupleDesc desc);

/*
 * Clear every count of a user: of its email, from every address, and of its
 * change_password attempts (admin unlock, admin password change).
 */
extern void login_throttle_clear(int64 user_id, text *email);

/* The worker's side: reserve job's attempt in the current transaction. */
extern ThrottleVerdict login_throttle_reserve_in_worker(ThrottleJob *job);

/* The worker's side: give job's attempt back in the current transaction. */
extern void login_throttle_give_back_in_worker(const ThrottleJob *job);

#endif
