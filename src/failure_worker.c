/*
 * failure_worker.c: the dynamic background workers that commit a login's
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
#include "utils/memutils.h"
#include "utils/wait_event.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "port/atomics.h"

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

PGDLLEXPORT void us_failure_worker_main(Datum arg);
PGDLLEXPORT void us_throttle_worker_main(Datum arg);

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

/*
 * Schema 1.3: the counting worker a session keeps.
 *
 * Starting a worker per attempt costs a fork, a connection and a library
 * load (about 25 ms a worker on the benchmark machine, two per successful
 * login). So a session's first attempt starts a worker that stays, serving
 * that session's later attempts through one DSM slot, until it has been idle
 * for userservice.login_worker_idle. Only this session and its worker know
 * the slot. The slot's state says whose move it is:
 *
 *   POSTED  the session wrote a job and woke the worker
 *   DONE    the worker wrote the answer, after its commit, and woke the session
 *   IDLE    the session took the answer; the worker waits for the next job
 *   GONE    the worker has quit (it was idle too long): start another
 *
 * Each side changes the state only from the states it owns (the session
 * IDLE->POSTED and DONE->IDLE, the worker POSTED->DONE and IDLE->GONE), by
 * compare-and-swap where both may move, so a job is never posted to a worker
 * that is quitting. A session that stopped waiting (an error, a cancel)
 * leaves the slot POSTED or DONE; its next attempt waits for or drops that
 * answer first. A worker that dies leaves the job unanswered: PT503.
 */
typedef enum CounterState
{
	COUNTER_POSTED = 1,
	COUNTER_DONE,
	COUNTER_IDLE,
	COUNTER_GONE
} CounterState;

typedef enum CounterJobKind
{
	COUNTER_RESERVE = 1,
	COUNTER_GIVE_BACK
} CounterJobKind;

typedef struct CounterSlot
{
	pg_atomic_uint32 state;
	Latch	   *session_latch;	/* the session's PGPROC latch */
	Latch	   *worker_latch;	/* the worker's, once it runs */
	int32		idle_ms;		/* set by the session with each job */
	CounterJobKind kind;
	bool		done_ok;		/* the job ran and committed (or was refused) */
	ThrottleJob job;
} CounterSlot;

/* How long a session waits for an answer; the worker's locks time out in 1 s. */
#define ANSWER_WAIT_MS 10000

/* This session's worker: the slot and the handle live for the session. */
static dsm_segment *counter_seg = NULL;
static BackgroundWorkerHandle *counter_handle = NULL;

static CounterSlot *
counter_slot(void)
{
	return (CounterSlot *) dsm_segment_address(counter_seg);
}

/* Forget this session's worker (it is gone, or will be when it sees GONE). */
static void
counter_forget(void)
{
	if (counter_seg != NULL)
		dsm_detach(counter_seg);
	counter_seg = NULL;
	if (counter_handle != NULL)
		pfree(counter_handle);
	counter_handle = NULL;
}

static bool
counter_running(void)
{
	pid_t		pid;

	return counter_handle != NULL &&
		GetBackgroundWorkerPid(counter_handle, &pid) != BGWH_STOPPED;
}

static void
counter_sleep(void)
{
	(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
					 SLOT_WAIT_MS, PG_WAIT_EXTENSION);
	ResetLatch(MyLatch);
	CHECK_FOR_INTERRUPTS();
}

/*
 * Post job to the session's running worker, once the slot is free (an
 * answer left from an attempt that stopped waiting is dropped). false when
 * there is no usable worker: none, quit, or connected for another database
 * or role.
 */
static bool
counter_post_to_running(CounterJobKind kind, const ThrottleJob *job)
{
	TimestampTz deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), ANSWER_WAIT_MS);

	while (counter_running())
	{
		CounterSlot *slot = counter_slot();
		uint32		state = pg_atomic_read_u32(&slot->state);

		if (state == COUNTER_DONE)
		{
			pg_atomic_write_u32(&slot->state, COUNTER_IDLE);
			continue;
		}
		if (state == COUNTER_GONE)
			break;
		if (state == COUNTER_IDLE)
		{
			uint32		expected = COUNTER_IDLE;

			if (slot->job.database != job->database || slot->job.role != job->role)
			{
				/* Connected as someone else: tell it to quit, start another. */
				if (pg_atomic_compare_exchange_u32(&slot->state, &expected, COUNTER_GONE))
				{
					SetLatch(slot->worker_latch);
					break;
				}
				continue;
			}
			/* The worker only reads the job after it sees POSTED. */
			slot->kind = kind;
			slot->job = *job;
			slot->idle_ms = us_login_worker_idle_ms;
			pg_write_barrier();
			if (pg_atomic_compare_exchange_u32(&slot->state, &expected, COUNTER_POSTED))
			{
				SetLatch(slot->worker_latch);
				return true;
			}
			continue;			/* it quit just now */
		}
		/* POSTED: an earlier attempt's job still runs. */
		if (GetCurrentTimestamp() >= deadline)
		{
			TerminateBackgroundWorker(counter_handle);	/* wedged */
			break;
		}
		counter_sleep();
	}
	counter_forget();
	return false;
}

/* Start a worker whose first job is job; false when no slot came free in about 2 s. */
static bool
counter_start(CounterJobKind kind, const ThrottleJob *job)
{
	MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
	BackgroundWorker worker = {0};
	CounterSlot *slot;
	bool		started = false;

	counter_seg = dsm_create(sizeof(CounterSlot), 0);
	dsm_pin_mapping(counter_seg);	/* the session's, not the transaction's */
	slot = counter_slot();
	memset(slot, 0, sizeof(*slot));
	slot->session_latch = MyLatch;
	slot->kind = kind;
	slot->job = *job;
	slot->idle_ms = us_login_worker_idle_ms;
	pg_atomic_init_u32(&slot->state, COUNTER_POSTED);

	describe(&worker, "us_throttle_worker_main", "login throttle",
			 UInt32GetDatum(dsm_segment_handle(counter_seg)), NULL, 0);
	worker.bgw_notify_pid = MyProcPid;

	/* Slots free up within milliseconds: wait for one, up to about 2 s. */
	for (int tries = 0; tries <= SLOT_WAIT_TRIES; tries++)
	{
		if (RegisterDynamicBackgroundWorker(&worker, &counter_handle))
		{
			started = true;
			break;
		}
		counter_sleep();
	}
	MemoryContextSwitchTo(old);
	if (!started)
		counter_forget();
	return started;
}

typedef enum CounterWait
{
	COUNTER_ANSWERED,
	COUNTER_DIED,
	COUNTER_NO_ANSWER
} CounterWait;

/* Wait for the answer to the job in the slot; *ok is the worker's done_ok. */
static CounterWait
counter_await(ThrottleJob *job, bool *ok)
{
	TimestampTz deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), ANSWER_WAIT_MS);

	for (;;)
	{
		CounterSlot *slot = counter_slot();

		/* Running is read first: a worker seen stopped wrote all it ever will. */
		bool		running = counter_running();

		if (pg_atomic_read_u32(&slot->state) == COUNTER_DONE)
		{
			pg_read_barrier();
			job->verdict = slot->job.verdict;
			job->retry_after = slot->job.retry_after;
			*ok = slot->done_ok;
			pg_atomic_write_u32(&slot->state, COUNTER_IDLE);
			return COUNTER_ANSWERED;
		}
		if (!running)
		{
			counter_forget();
			return COUNTER_DIED;
		}
		if (GetCurrentTimestamp() >= deadline)
		{
			/* Wedged: never trust this one again. */
			TerminateBackgroundWorker(counter_handle);
			counter_forget();
			return COUNTER_NO_ANSWER;
		}
		counter_sleep();
	}
}

/*
 * Run job in the session's worker (starting one when needed) and wait for
 * its answer; false when none came: no worker slot, the worker died or
 * timed out on a lock, or no answer within ANSWER_WAIT_MS. A kept worker
 * found dead (terminated while idle; the postmaster may not have reaped it
 * yet when the job was posted) is replaced once: at worst it had counted
 * the attempt before dying, and counting it twice fails closed.
 */
static bool
counter_run(CounterJobKind kind, ThrottleJob *job)
{
	for (int round = 0; round < 2; round++)
	{
		bool		fresh = false;
		bool		ok = false;

		if (!counter_post_to_running(kind, job))
		{
			if (!counter_start(kind, job))
				return false;
			fresh = true;
		}
		switch (counter_await(job, &ok))
		{
			case COUNTER_ANSWERED:
				return ok;
			case COUNTER_DIED:
				if (fresh)
					return false;
				break;
			case COUNTER_NO_ANSWER:
				return false;
		}
	}
	return false;
}

void
us_run_throttle_worker(ThrottleJob *job)
{
	job->verdict = THROTTLE_UNKNOWN;
	job->retry_after = 0;
	if (!counter_run(COUNTER_RESERVE, job))
		job->verdict = THROTTLE_UNKNOWN;
}

bool
us_run_give_back_worker(const ThrottleJob *job)
{
	ThrottleJob copy = *job;

	return counter_run(COUNTER_GIVE_BACK, &copy);
}

/* One job in a transaction of its own; the answer goes into slot->job. */
static void
counter_do(CounterSlot *slot)
{
	ThrottleJob job = slot->job;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	if (slot->kind == COUNTER_RESERVE)
	{
		pgstat_report_activity(STATE_RUNNING, "userservice: reserving a login attempt");
		job.verdict = login_throttle_reserve_in_worker(&job);
		PopActiveSnapshot();
		if (job.verdict == THROTTLE_ALLOWED)
			CommitTransactionCommand();
		else
			AbortCurrentTransaction();	/* refused attempts are not counted */
	}
	else
	{
		pgstat_report_activity(STATE_RUNNING, "userservice: giving back a login attempt");
		login_throttle_give_back_in_worker(&job);
		PopActiveSnapshot();
		CommitTransactionCommand();
	}
	pgstat_report_activity(STATE_IDLE, NULL);
	/* Its table counters are the attempt's too, as a short-lived worker's were at exit. */
	pgstat_report_stat(true);

	/* The answer is written only once the count is durable. */
	slot->job.verdict = job.verdict;
	slot->job.retry_after = job.retry_after;
	slot->done_ok = true;
	pg_write_barrier();
	pg_atomic_write_u32(&slot->state, COUNTER_DONE);
	SetLatch(slot->session_latch);
}

void
us_throttle_worker_main(Datum arg)
{
	dsm_segment *seg;
	CounterSlot *slot;
	Oid			database;
	Oid			role;
	TimestampTz since;

	BackgroundWorkerUnblockSignals();
	seg = dsm_attach(DatumGetUInt32(arg));
	if (seg == NULL)
		proc_exit(1);			/* the session gave up; it answered PT503 */
	slot = dsm_segment_address(seg);
	pg_read_barrier();
	database = slot->job.database;
	role = slot->job.role;

	BackgroundWorkerInitializeConnectionByOid(database, role, 0);
	SetConfigOption("lock_timeout", WORKER_LOCK_TIMEOUT, PGC_SUSET, PGC_S_OVERRIDE);
	slot->worker_latch = MyLatch;
	pg_write_barrier();

	since = GetCurrentTimestamp();
	for (;;)
	{
		uint32		state;
		long		limit_ms;
		long		waited_ms;

		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		state = pg_atomic_read_u32(&slot->state);
		if (state == COUNTER_POSTED)
		{
			pg_read_barrier();
			/* A worker serves one database and one role (the session checks too). */
			if (slot->job.database != database || slot->job.role != role)
				break;
			counter_do(slot);
			since = GetCurrentTimestamp();
			continue;
		}
		if (state == COUNTER_GONE)
			break;

		/*
		 * IDLE: quit once idle for idle_ms. DONE: the session takes its
		 * answer within milliseconds unless it stopped waiting; once it
		 * cannot be waiting any more, nobody will, so quit (a later attempt
		 * of the session finds GONE and starts another worker).
		 */
		limit_ms = state == COUNTER_IDLE ? Max(slot->idle_ms, 1) : 2 * ANSWER_WAIT_MS;
		waited_ms = TimestampDifferenceMilliseconds(since, GetCurrentTimestamp());
		if (waited_ms >= limit_ms)
		{
			if (pg_atomic_compare_exchange_u32(&slot->state, &state, COUNTER_GONE))
				break;
			continue;
		}
		/* The session takes an answer without waking us: look again then. */
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 Min(limit_ms - waited_ms, Max(slot->idle_ms, 1)), PG_WAIT_EXTENSION);
	}
	pgstat_report_stat(true);
	dsm_detach(seg);
	proc_exit(0);
}
