/*
 * hashing.c: the server side of password hashing.
 *
 * Each argon2id call holds userservice.password_hash_memory of memory for
 * its duration. With userservice.max_concurrent_hashes = N > 0, a call first
 * takes one of N advisory-lock slots (session level, released right after
 * the hash, also on error), so at most N hashes run at once in a database:
 * hashing memory is bounded by N x password_hash_memory.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/latch.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"
#include "storage/lmgr.h"
#include "storage/lock.h"

#include "config.h"
#include "errors.h"
#include "hashing.h"
#include "password.h"
#include "validate.h"

/* The slots' lock tags: field4 apart from the SQL advisory functions' 1 and 2. */
#define HASH_SLOT_CLASS 0x7573	/* "us" */
#define HASH_SLOT_SPACE 0x68617368	/* "hash" */

static void
slot_tag(LOCKTAG *tag, int slot)
{
	SET_LOCKTAG_ADVISORY(*tag, MyDatabaseId, HASH_SLOT_SPACE, (uint32) slot,
						 HASH_SLOT_CLASS);
}

/* Take a free slot, or wait for one; -1 when there is no cap. */
static int
acquire_slot(void)
{
	int			slots = us_max_concurrent_hashes;
	LOCKTAG		tag;
	int			mine;

	if (slots <= 0)
		return -1;
	for (int i = 0; i < slots; i++)
	{
		slot_tag(&tag, i);
		if (LockAcquire(&tag, ExclusiveLock, true, true) != LOCKACQUIRE_NOT_AVAIL)
			return i;
	}
	/* All busy: queue on one, spread by pid so waiters share the slots. */
	mine = MyProcPid % slots;
	slot_tag(&tag, mine);
	LockAcquire(&tag, ExclusiveLock, true, false);
	return mine;
}

static void
release_slot(int slot)
{
	LOCKTAG		tag;

	if (slot < 0)
		return;
	slot_tag(&tag, slot);
	LockRelease(&tag, ExclusiveLock, true);
}

/* A password of more bytes than any acceptable one is not hashed at all. */
static void
check_size(text *password, const char *field)
{
	if (VARSIZE_ANY_EXHDR(password) > US_PASSWORD_MAX_BYTES)
		us_raise_invalid_field(field, "must be at most 1024 bytes");
}

void
us_hash_password(text *password, const char *field, char *out)
{
	int			slot;
	volatile bool ok = false;

	check_size(password, field);
	slot = acquire_slot();
	PG_TRY();
	{
		ok = us_password_hash(out, VARDATA_ANY(password), VARSIZE_ANY_EXHDR(password),
							  (unsigned long long) us_password_hash_iterations,
							  (size_t) us_password_hash_memory_kb * 1024);
	}
	PG_FINALLY();
	{
		release_slot(slot);
	}
	PG_END_TRY();

	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("could not hash password"),
				 errdetail("argon2id could not allocate %d kB.",
						   us_password_hash_memory_kb)));
}

void
us_dummy_hash(char *out, size_t size)
{
	/* Verifying against it costs what a real hash costs: an unknown email is as slow. */
	snprintf(out, size, "$argon2id$v=19$m=%d,t=%d,p=1$c2FsdHNhbHRzYWx0c2FsdA$%s",
			 us_password_hash_memory_kb, us_password_hash_iterations,
			 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
}

/* One verification, timed without the wait for a slot. */
static bool
verify_timed(const char *stored, text *password, long *elapsed_us)
{
	int			slot = acquire_slot();
	volatile bool ok = false;
	TimestampTz start = 0;

	PG_TRY();
	{
		start = GetCurrentTimestamp();
		ok = us_password_verify(stored, VARDATA_ANY(password),
								VARSIZE_ANY_EXHDR(password));
		*elapsed_us = (long) (GetCurrentTimestamp() - start);
	}
	PG_FINALLY();
	{
		release_slot(slot);
	}
	PG_END_TRY();
	return ok;
}

/* Wait us microseconds, answering a cancel meanwhile. */
static void
pad(long us)
{
	while (us > 0)
	{
		long		step = Min(us, 100000L);

		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 (step + 999) / 1000, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		us -= step;
	}
}

/* How long one verification at the current cost takes in this backend (EWMA, microseconds). */
static struct
{
	double		us;				/* 0: not measured yet */
	int			iterations;		/* the cost it was measured at */
	int			memory_kb;
}			current_cost;

bool
us_verify_password(const char *stored, text *password, const char *field)
{
	unsigned long long t = (unsigned long long) us_password_hash_iterations;
	size_t		m = (size_t) us_password_hash_memory_kb * 1024;
	unsigned long long stored_t;
	size_t		stored_m;
	long		elapsed = 0;
	bool		ok;

	check_size(password, field);
	if (current_cost.us == 0 || current_cost.iterations != us_password_hash_iterations ||
		current_cost.memory_kb != us_password_hash_memory_kb)
	{
		/*
		 * The first verification in a backend (or after a cost change)
		 * measures the current cost on a dummy hash first, whatever the
		 * account: every first call pays it alike, so it tells nothing.
		 */
		char		dummy[US_HASH_MAX_LEN];
		long		calibration = 0;

		us_dummy_hash(dummy, sizeof(dummy));
		(void) verify_timed(dummy, password, &calibration);
		current_cost.us = Max(calibration, 1);
		current_cost.iterations = us_password_hash_iterations;
		current_cost.memory_kb = us_password_hash_memory_kb;
	}

	ok = verify_timed(stored, password, &elapsed);
	if (!us_password_cost_of(stored, &stored_t, &stored_m) || stored_t * stored_m < t * m)
	{
		/* A cheaper (or unreadable) hash: as long as the current cost takes. */
		pad((long) current_cost.us - elapsed);
	}
	else if (stored_t == t && stored_m == m)
		current_cost.us = 0.75 * current_cost.us + 0.25 * elapsed;
	return ok;
}

bool
us_hash_is_outdated(const char *stored)
{
	return us_password_needs_rehash(stored,
									(unsigned long long) us_password_hash_iterations,
									(size_t) us_password_hash_memory_kb * 1024);
}
