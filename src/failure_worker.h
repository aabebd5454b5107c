/*
 * failure_worker.h: writes that must outlive the failing call's rollback,
 * done by a background worker in a transaction of its own.
 *
 * login must answer a wrong password with an error, and the error rolls back
 * everything its transaction wrote. So the count is written by a worker, and
 * login waits for it to commit. From schema 1.3 on, the worker reserves the
 * attempt before the password is checked (login_throttle.h); the schemas
 * 1.1 and 1.2 count the failure after it (us_record_login_failure).
 */
#ifndef USERSERVICE_FAILURE_WORKER_H
#define USERSERVICE_FAILURE_WORKER_H

#include "postgres.h"

#include "login_throttle.h"

/*
 * Schemas 1.1 and 1.2: record one failed login of user_id durably (0: none,
 * spend the time only); false (with a WARNING) when no worker slot came free
 * within about 2 s, in which case the failure is not counted.
 */
extern bool us_record_login_failure(int64 user_id);

/*
 * Schema 1.3: run the reservation of job in the session's counting worker
 * (started when the session has none, kept for userservice.login_worker_idle)
 * and wait for it; the verdict is in job->verdict (THROTTLE_UNKNOWN when the
 * worker could not start, timed out on a lock, failed or did not answer).
 */
extern void us_run_throttle_worker(ThrottleJob *job);

/* Run the give-back of job in that worker and wait for it; false when it did not run. */
extern bool us_run_give_back_worker(const ThrottleJob *job);

#endif
