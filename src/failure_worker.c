/*
 * failure_worker.c: dynamic background workers that commit a login's
 * bookkeeping in a transaction of their own.
 */
#include "postgres.h"

#include "access/xact.h"
#include "access/xlog.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/dsm.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "utils/guc.h"
#include "utils/wait_event.h"
#include "utils/snapmgr.h"

#include "auth_store.h"
#include "config.h"
#include "failure_worker.h"
#include "login_throttle.h"

/* Schemas 1.1 and 1.2: what the counting worker needs, in bgw_extra. */
typedef struct FailureJob
{
	Oid			database;
	Oid			role;
	int64		user_id;
	int32		max_failures;
	int32		lockout;
	int32		lockout_max;
} FailureJob;

/* How long a login waits for a free worker slot: SLOT_WAIT_TRIES x SLOT_WAIT_MS. */
#define SLOT_WAIT_TRIES 200
#define SLOT_WAIT_MS 10

/*
 * The worker never waits long for a lock: the login's own transaction may
 * hold one it needs (a SQL client that, in one transaction, logged in
 * before), and that transaction is waiting for the worker.
 */
#define WORKER_LOCK_TIMEOUT "1s"

StaticAssertDecl(sizeof(FailureJob) <= BGW_EXTRALEN, "FailureJob must fit in bgw_extra");
StaticAssertDecl(sizeof(ThrottleJob) <= BGW_EXTRALEN, "ThrottleJob must fit in bgw_extra");

PGDLLEXPORT void us_failure_worker_main(Datum arg);
PGDLLEXPORT void us_throttle_worker_main(Datum arg);
PGDLLEXPORT void us_give_back_worker_main(Datum arg);

static void
describe(BackgroundWorker *worker, const char *function_name, const char *what,
		 Datum main_arg, const void *extra, size_t extra_len)
{
	snprintf(worker->bgw_name, BGW_MAXLEN, "userservice %s", what);
	snprintf(worker->bgw_type, BGW_MAXLEN, "userservice %s", what);
	worker->bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker->bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker->bgw_restart_time = BGW_NEVER_RESTART;
	snprintf(worker->bgw_library_name, BGW_MAXLEN, "userservice");
	snprintf(worker->bgw_function_name, BGW_MAXLEN, "%s", function_name);
	worker->bgw_main_arg = main_arg;
	if (extra_len > 0)
		memcpy(worker->bgw_extra, extra, extra_len);
}

/*
 * Start function_name with main_arg and extra, wait for a slot (about 2 s at
 * most), then for the worker to finish. false when it could not start or
 * did not stop normally.
 */
static bool
run_worker(const char *function_name, const char *what, Datum main_arg,
		   const void *extra, size_t extra_len)
{
	BackgroundWorker worker = {0};
	BackgroundWorkerHandle *handle;
	pid_t		pid;

	describe(&worker, function_name, what, main_arg, extra, extra_len);
	worker.bgw_notify_pid = MyProcPid;

	/* Slots free up within milliseconds: wait for one, up to about 2 s. */
	for (int tries = 0; !RegisterDynamicBackgroundWorker(&worker, &handle); tries++)
	{
		if (tries >= SLOT_WAIT_TRIES)
			return false;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 SLOT_WAIT_MS, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
	if (WaitForBackgroundWorkerStartup(handle, &pid) != BGWH_STARTED)
		return false;
	return WaitForBackgroundWorkerShutdown(handle) == BGWH_STOPPED;
}

/* Connect the worker to the login's database as the extension owner. */
static void
worker_connect(Oid database, Oid role, const char *activity)
{
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnectionByOid(database, role, 0);
	SetConfigOption("lock_timeout", WORKER_LOCK_TIMEOUT, PGC_SUSET, PGC_S_OVERRIDE);
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, activity);
}

bool
us_record_login_failure(int64 user_id)
{
	FailureJob	job;

	/* A standby cannot write the count, and would never start the worker. */
	if (RecoveryInProgress())
		return false;

	job.database = MyDatabaseId;
	job.role = GetUserId();		/* the extension owner, inside SECURITY DEFINER */
	job.user_id = user_id;
	job.max_failures = us_login_max_failures;
	job.lockout = us_login_lockout;
	job.lockout_max = us_login_lockout_max;

	if (!run_worker("us_failure_worker_main", "login failure counter", (Datum) 0,
					&job, sizeof(job)))
	{
		ereport(WARNING,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg("could not count a failed login"),
				 errdetail("No background worker slot was free."),
				 errhint("Raise max_worker_processes.")));
		return false;
	}
	return true;
}

void
us_failure_worker_main(Datum arg)
{
	FailureJob	job;

	memcpy(&job, MyBgworkerEntry->bgw_extra, sizeof(job));
	worker_connect(job.database, job.role, "userservice: counting a failed login");
	auth_store_record_failure(job.user_id, job.max_failures, job.lockout,
							  job.lockout_max);
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_activity(STATE_IDLE, NULL);
	proc_exit(0);
}

void
us_run_throttle_worker(ThrottleJob *job)
{
	dsm_segment *seg = dsm_create(sizeof(ThrottleJob), 0);
	ThrottleJob *shared = dsm_segment_address(seg);

	memcpy(shared, job, sizeof(ThrottleJob));
	shared->verdict = THROTTLE_UNKNOWN;
	shared->retry_after = 0;

	/*
	 * Whatever run_worker says (a worker that committed and exited before we
	 * looked reads as "not started"), once it returns no worker runs on this
	 * segment: the verdict is the worker's, written only after its commit,
	 * or THROTTLE_UNKNOWN.
	 */
	(void) run_worker("us_throttle_worker_main", "login throttle",
					  UInt32GetDatum(dsm_segment_handle(seg)), NULL, 0);
	pg_read_barrier();
	job->verdict = shared->verdict;
	job->retry_after = shared->retry_after;
	dsm_detach(seg);
}

void
us_throttle_worker_main(Datum arg)
{
	dsm_segment *seg;
	ThrottleJob *shared;
	ThrottleJob job;

	seg = dsm_attach(DatumGetUInt32(arg));
	if (seg == NULL)
		proc_exit(1);			/* the login gave up; it answers PT503 */
	shared = dsm_segment_address(seg);
	memcpy(&job, shared, sizeof(job));

	worker_connect(job.database, job.role, "userservice: reserving a login attempt");
	job.verdict = login_throttle_reserve_in_worker(&job);
	PopActiveSnapshot();
	if (job.verdict == THROTTLE_ALLOWED)
		CommitTransactionCommand();
	else
		AbortCurrentTransaction();	/* refused attempts are not counted */
	pgstat_report_activity(STATE_IDLE, NULL);

	/* The verdict is written only once the count is durable. */
	shared->retry_after = job.retry_after;
	pg_write_barrier();
	shared->verdict = job.verdict;
	dsm_detach(seg);
	proc_exit(0);
}

bool
us_run_give_back_worker(const ThrottleJob *job)
{
	return run_worker("us_give_back_worker_main", "login throttle give-back", (Datum) 0,
					  job, sizeof(ThrottleJob));
}

void
us_give_back_worker_main(Datum arg)
{
	ThrottleJob job;

	memcpy(&job, MyBgworkerEntry->bgw_extra, sizeof(job));
	worker_connect(job.database, job.role, "userservice: giving back a login attempt");
	login_throttle_give_back_in_worker(&job);
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_activity(STATE_IDLE, NULL);
	proc_exit(0);
}
