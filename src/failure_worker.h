/*
 * failure_worker.h: counting a failed login so that the count survives the
 * rollback of the login's own transaction.
 *
 * login must answer a wrong password with an error, and the error rolls back
 * everything its transaction wrote. So the count is written by a short-lived
 * background worker in a transaction of its own, and login waits for it to
 * commit before raising. Only failures against an existing, unlocked account
 * start a worker; locked accounts are refused before any hashing or writing.
 */
#ifndef USERSERVICE_FAILURE_WORKER_H
#define USERSERVICE_FAILURE_WORKER_H

#include "postgres.h"

/*
 * Record one failed login of user_id durably; false (with a WARNING) when no
 * worker could be started, in which case the failure is not counted.
 */
extern bool us_record_login_failure(int64 user_id);

#endif
