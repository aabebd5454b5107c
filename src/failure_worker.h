/*
 * failure_worker.h: counting a failed login so that the count survives the
 * rollback of the login's own transaction.
 *
 * login must answer a wrong password with an error, and the error rolls back
 * everything its transaction wrote. So the count is written by a short-lived
 * background worker in a transaction of its own, and login waits for it to
 * commit before raising. Every refused login starts one, user_id 0 (nothing
 * to count) for an unknown email or an inactive account, so that each
 * refusal costs the same time. Locked accounts are refused before any
 * hashing or writing.
 */
#ifndef USERSERVICE_FAILURE_WORKER_H
#define USERSERVICE_FAILURE_WORKER_H

#include "postgres.h"

/*
 * Record one failed login of user_id durably (0: none, spend the time only);
 * false (with a WARNING) when no worker slot came free within about 2 s, in
 * which case the failure is not counted.
 */
extern bool us_record_login_failure(int64 user_id);

#endif
