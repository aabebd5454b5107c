/*
 * throttle_store.h: data access for userservice.login_throttle.
 *
 * A subject is one row, (email_key, address): '' for the part that does not
 * apply. Arrays of subjects are always passed in one order (by key bytes),
 * so that concurrent writers lock rows in the same order.
 */
#ifndef USERSERVICE_THROTTLE_STORE_H
#define USERSERVICE_THROTTLE_STORE_H

#include "postgres.h"

#include "access/tupdesc.h"
#include "utils/tuplestore.h"

#define US_THROTTLE_MAX_SUBJECTS 3

typedef struct ThrottleSubject
{
	bytea	   *email_key;		/* empty for an address's own budget */
	text	   *address;		/* empty for an email's own budget */
	/* read back by throttle_store_count */
	int32		failures;		/* in the current window, this attempt included */
	bool		trusted;		/* a login from this address to this email succeeded */
	int32		window_left;	/* seconds until the window ends */
} ThrottleSubject;

/*
 * Count one attempt on each subject (a new window when the last one ended)
 * and read back the counts; the rows stay locked until the transaction ends.
 */
extern void throttle_store_count(ThrottleSubject *subjects, int n, int32 window_seconds);

/*
 * Read the subjects' counts in the current window without writing (0 for a
 * row that is missing or whose window ended): failures, trusted, window_left.
 */
extern void throttle_store_read(ThrottleSubject *subjects, int n, int32 window_seconds);

/* Delete at most limit rows whose time has passed (nobody's lock waited on). */
extern void throttle_store_cleanup(int limit);

/* Give back one attempt of each subject; trust the email-and-address pair. */
extern void throttle_store_give_back(ThrottleSubject *subjects, int n, int32 trust_days);

/* Zero every count of an email. */
extern void throttle_store_clear(bytea *email_key);

/* The rows of an email (address, failures, window_ends, trusted_until) into a tuplestore. */
extern void throttle_store_status(bytea *email_key, int32 window_seconds,
								  Tuplestorestate *into, TupleDesc desc);

#endif
