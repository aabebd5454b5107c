/*
 * throttle_store.c: the SQL for userservice.login_throttle.
 */
#include "postgres.h"

#include "catalog/pg_type_d.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "spi_util.h"
#include "throttle_store.h"

/*
 * The parameters every statement here takes: the subjects as two parallel
 * arrays, bytea[] and text[], in their order ($1, $2), and one int4 ($3).
 */
static const Oid subject_types[] = {BYTEAARRAYOID, TEXTARRAYOID, INT4OID};

static void
subject_values(ThrottleSubject *subjects, int n, int32 third, Datum values[3])
{
	Datum		k[US_THROTTLE_MAX_SUBJECTS];
	Datum		a[US_THROTTLE_MAX_SUBJECTS];

	for (int i = 0; i < n; i++)
	{
		k[i] = PointerGetDatum(subjects[i].email_key);
		a[i] = PointerGetDatum(subjects[i].address);
	}
	values[0] = PointerGetDatum(construct_array(k, n, BYTEAOID, -1, false, TYPALIGN_INT));
	values[1] = PointerGetDatum(construct_array(a, n, TEXTOID, -1, false, TYPALIGN_INT));
	values[2] = Int32GetDatum(third);
}

#define WINDOW "pg_catalog.make_interval(secs => $3::pg_catalog.float8)"
#define ENDED "t.window_start OPERATOR(pg_catalog.+) " WINDOW " OPERATOR(pg_catalog.<=) pg_catalog.now()"

void
throttle_store_count(ThrottleSubject *subjects, int n, int32 window_seconds)
{
	static SPIPlanPtr plan = NULL;
	Datum		values[3];

	subject_values(subjects, n, window_seconds, values);

	SPI_connect();
	/* One upsert: it locks the rows in the arrays' order, one by one. */
	us_spi_plan(&plan,
				"INSERT INTO userservice.login_throttle AS t"
				" (email_key, address, failures, window_start, expires_at)"
				" SELECT k.e, k.a, 1, pg_catalog.now(), pg_catalog.now() OPERATOR(pg_catalog.+) " WINDOW
				" FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2)) AS k(e, a)"
				" ON CONFLICT (email_key, address) DO UPDATE SET"
				" failures = CASE WHEN " ENDED " THEN 1 ELSE t.failures OPERATOR(pg_catalog.+) 1 END,"
				" window_start = CASE WHEN " ENDED " THEN pg_catalog.now() ELSE t.window_start END,"
				" expires_at = GREATEST(CASE WHEN " ENDED " THEN pg_catalog.now() ELSE t.window_start END"
				"   OPERATOR(pg_catalog.+) " WINDOW ", t.trusted_until)"
				" RETURNING t.failures,"
				" COALESCE(t.trusted_until OPERATOR(pg_catalog.>) pg_catalog.now(), false),"
				" pg_catalog.ceil(pg_catalog.date_part('epoch', t.window_start OPERATOR(pg_catalog.+) " WINDOW
				"   OPERATOR(pg_catalog.-) pg_catalog.now()))::pg_catalog.int4",
				3, subject_types);
	us_spi_execute(plan, values, NULL, false, SPI_OK_INSERT_RETURNING);
	if ((int) SPI_processed != n)
		elog(ERROR, "login throttle counted %d of %d subjects", (int) SPI_processed, n);
	/* RETURNING follows the insertion order, which is the arrays' order. */
	for (int i = 0; i < n; i++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;

		subjects[i].failures = DatumGetInt32(SPI_getbinval(tuple, desc, 1, &isnull));
		subjects[i].trusted = DatumGetBool(SPI_getbinval(tuple, desc, 2, &isnull));
		subjects[i].window_left = DatumGetInt32(SPI_getbinval(tuple, desc, 3, &isnull));
	}
	SPI_finish();
}

void
throttle_store_read(ThrottleSubject *subjects, int n, int32 window_seconds)
{
	static SPIPlanPtr plan = NULL;
	Datum		values[3];

	subject_values(subjects, n, window_seconds, values);
	for (int i = 0; i < n; i++)
	{
		subjects[i].failures = 0;
		subjects[i].trusted = false;
		subjects[i].window_left = 0;
	}

	SPI_connect();
	us_spi_plan(&plan,
				"SELECT k.n, CASE WHEN " ENDED " THEN 0 ELSE t.failures END,"
				" COALESCE(t.trusted_until OPERATOR(pg_catalog.>) pg_catalog.now(), false),"
				" pg_catalog.ceil(pg_catalog.date_part('epoch', t.window_start OPERATOR(pg_catalog.+) " WINDOW
				"   OPERATOR(pg_catalog.-) pg_catalog.now()))::pg_catalog.int4"
				" FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2)) WITH ORDINALITY AS k(e, a, n)"
				" JOIN userservice.login_throttle t"
				" ON t.email_key OPERATOR(pg_catalog.=) k.e AND t.address OPERATOR(pg_catalog.=) k.a",
				3, subject_types);
	us_spi_execute(plan, values, NULL, true, SPI_OK_SELECT);
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[r];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		int			i = (int) DatumGetInt64(SPI_getbinval(tuple, desc, 1, &isnull)) - 1;

		subjects[i].failures = DatumGetInt32(SPI_getbinval(tuple, desc, 2, &isnull));
		subjects[i].trusted = DatumGetBool(SPI_getbinval(tuple, desc, 3, &isnull));
		subjects[i].window_left = DatumGetInt32(SPI_getbinval(tuple, desc, 4, &isnull));
	}
	SPI_finish();
}

void
throttle_store_cleanup(int limit)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[] = {INT4OID};
	Datum		values[1] = {Int32GetDatum(limit)};

	SPI_connect();
	us_spi_plan(&plan,
				"DELETE FROM userservice.login_throttle WHERE ctid OPERATOR(pg_catalog.=) ANY (ARRAY("
				" SELECT ctid FROM userservice.login_throttle"
				" WHERE expires_at OPERATOR(pg_catalog.<) pg_catalog.now()"
				" ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED))",
				1, types);
	us_spi_execute(plan, values, NULL, false, SPI_OK_DELETE);
	SPI_finish();
}

void
throttle_store_give_back(ThrottleSubject *subjects, int n, int32 trust_days)
{
	static SPIPlanPtr lock_plan = NULL;
	static SPIPlanPtr plan = NULL;
	Datum		values[3];

	subject_values(subjects, n, trust_days, values);

	SPI_connect();
	/* Lock in the workers' order first, so that no one deadlocks with us. */
	us_spi_plan(&lock_plan,
				"SELECT 1 FROM userservice.login_throttle t"
				" JOIN ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2)) AS k(e, a)"
				" ON t.email_key OPERATOR(pg_catalog.=) k.e AND t.address OPERATOR(pg_catalog.=) k.a"
				" ORDER BY t.email_key, t.address FOR UPDATE OF t",
				2, subject_types);
	us_spi_execute(lock_plan, values, NULL, false, SPI_OK_SELECT);
	us_spi_plan(&plan,
				"WITH k AS (SELECT k.e, k.a, k.e OPERATOR(pg_catalog.<>) ''::pg_catalog.bytea"
				"   AND k.a OPERATOR(pg_catalog.<>) '' AS pair"
				"   FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2)) AS k(e, a))"
				" UPDATE userservice.login_throttle t SET"
				" failures = GREATEST(t.failures OPERATOR(pg_catalog.-) 1, 0),"
				" trusted_until = CASE WHEN k.pair THEN pg_catalog.now() OPERATOR(pg_catalog.+)"
				"   pg_catalog.make_interval(days => $3) ELSE t.trusted_until END,"
				" expires_at = CASE WHEN k.pair THEN GREATEST(t.expires_at, pg_catalog.now()"
				"   OPERATOR(pg_catalog.+) pg_catalog.make_interval(days => $3)) ELSE t.expires_at END"
				" FROM k WHERE t.email_key OPERATOR(pg_catalog.=) k.e"
				" AND t.address OPERATOR(pg_catalog.=) k.a",
				3, subject_types);
	us_spi_execute(plan, values, NULL, false, SPI_OK_UPDATE);
	SPI_finish();
}

void
throttle_store_clear(bytea *email_key)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[] = {BYTEAOID};
	Datum		values[1] = {PointerGetDatum(email_key)};

	SPI_connect();
	us_spi_plan(&plan,
				"UPDATE userservice.login_throttle SET failures = 0"
				" WHERE email_key OPERATOR(pg_catalog.=) $1"
				" AND failures OPERATOR(pg_catalog.>) 0",
				1, types);
	us_spi_execute(plan, values, NULL, false, SPI_OK_UPDATE);
	SPI_finish();
}

void
throttle_store_status(bytea *email_key, int32 window_seconds, Tuplestorestate *into,
					  TupleDesc desc)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[] = {BYTEAOID, INT4OID};
	Datum		values[2] = {PointerGetDatum(email_key), Int32GetDatum(window_seconds)};

	SPI_connect();
	us_spi_plan(&plan,
				"SELECT t.address, CASE WHEN t.window_start OPERATOR(pg_catalog.+)"
				" pg_catalog.make_interval(secs => $2::pg_catalog.float8) OPERATOR(pg_catalog.<=) pg_catalog.now()"
				" THEN 0 ELSE t.failures END,"
				" t.window_start OPERATOR(pg_catalog.+) pg_catalog.make_interval(secs => $2::pg_catalog.float8),"
				" t.trusted_until"
				" FROM userservice.login_throttle t WHERE t.email_key OPERATOR(pg_catalog.=) $1"
				" ORDER BY t.address",
				2, types);
	us_spi_execute(plan, values, NULL, true, SPI_OK_SELECT);
	us_spi_rows_to_tuplestore(into, desc);
	SPI_finish();
}
