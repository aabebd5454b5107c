/*
 * failure_worker.c: a dynamic background worker that commits one failed
 * login in its own transaction.
 */
#include "postgres.h"

#include "access/xact.h"
#include "access/xlog.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "utils/guc.h"
#include "utils/wait_event.h"
#include "utils/snapmgr.h"

#include "auth_store.h"
#include "config.h"
#include "failure_worker.h"

/* What the worker needs, passed in bgw_extra. */
typedef struct FailureJob
{
	Oid			database;
	Oid			role;
	int64		user_id;
	int32		max_failures;
	int32		lockout;
	int32		lockout_max;
} FailureJob;

/* How long login waits for a free worker slot: SLOT_WAIT_TRIES x SLOT_WAIT_MS. */
#define SLOT_WAIT_TRIES 200
#define SLOT_WAIT_MS 10

/*
 * The worker never waits long for a lock: the failed login's own
 * transaction may hold one it needs (a SQL client that, in one transaction,
 * logged in successfully or patched the user before failing), and that
 * transaction is waiting for the worker. Better to miss that count.
 */
#define WORKER_LOCK_TIMEOUT "1s"

StaticAssertDecl(sizeof(FailureJob) <= BGW_EXTRALEN, "FailureJob must fit in bgw_extra");

PGDLLEXPORT void us_failure_worker_main(Datum arg);

bool
us_record_login_failure(int64 user_id)
{
	BackgroundWorker worker = {0};
	BackgroundWorkerHandle *handle;
	FailureJob	job;
	pid_t		pid;

	/* A standby cannot write the count, and would never start the worker. */
	if (RecoveryInProgress())
		return false;

	job.database = MyDatabaseId;
	job.role = GetUserId();		/* the extension owner, inside SECURITY DEFINER */
	job.user_id = user_id;
	job.max_failures = us_login_max_failures;
	job.lockout = us_login_lockout;
	job.lockout_max = us_login_lockout_max;

	snprintf(worker.bgw_name, BGW_MAXLEN, "userservice login failure counter");
	snprintf(worker.bgw_type, BGW_MAXLEN, "userservice login failure counter");
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "userservice");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "us_failure_worker_main");
	worker.bgw_main_arg = (Datum) 0;
	memcpy(worker.bgw_extra, &job, sizeof(job));
	worker.bgw_notify_pid = MyProcPid;

	/* Slots free up within milliseconds: wait for one, up to about 2 s. */
	for (int tries = 0; !RegisterDynamicBackgroundWorker(&worker, &handle); tries++)
	{
		if (tries < SLOT_WAIT_TRIES)
		{
			(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
							 SLOT_WAIT_MS, PG_WAIT_EXTENSION);
			ResetLatch(MyLatch);
			CHECK_FOR_INTERRUPTS();
			continue;
		}
		ereport(WARNING,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg("could not count a failed login"),
				 errdetail("No background worker slot was free."),
				 errhint("Raise max_worker_processes.")));
		return false;
	}
	if (WaitForBackgroundWorkerStartup(handle, &pid) != BGWH_STARTED)
		return false;
	return WaitForBackgroundWorkerShutdown(handle) == BGWH_STOPPED;
}

void
us_failure_worker_main(Datum arg)
{
	FailureJob	job;

	memcpy(&job, MyBgworkerEntry->bgw_extra, sizeof(job));
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnectionByOid(job.database, job.role, 0);
	SetConfigOption("lock_timeout", WORKER_LOCK_TIMEOUT, PGC_SUSET, PGC_S_OVERRIDE);

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, "userservice: counting a failed login");

	auth_store_record_failure(job.user_id, job.max_failures, job.lockout,
							  job.lockout_max);

	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_activity(STATE_IDLE, NULL);
	proc_exit(0);
}
