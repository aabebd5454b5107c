/*
 * spi_util.c: prepared-once plans and checked execution.
 */
#include "postgres.h"

#include "access/heaptoast.h"
#include "access/htup_details.h"
#include "executor/spi.h"
#include "nodes/parsenodes.h"
#include "utils/builtins.h"
#include "utils/datum.h"

#include "schema_guard.h"
#include "spi_util.h"

SPIPlanPtr
us_spi_plan(SPIPlanPtr *plan, const char *sql, int nargs, const Oid *argtypes)
{
	if (*plan == NULL)
	{
		/*
		 * Always the generic plan: with LIMIT/OFFSET and array parameters the
		 * plan cache would otherwise re-plan every call. Every statement here
		 * is a short indexed one whose best plan does not depend on values.
		 */
		SPIPlanPtr	p = SPI_prepare_cursor(sql, nargs, (Oid *) argtypes,
										   CURSOR_OPT_GENERIC_PLAN);

		if (p == NULL)
			elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		if (SPI_keepplan(p) != 0)
			elog(ERROR, "SPI_keepplan failed");
		*plan = p;
	}
	return *plan;
}

void
us_spi_execute(SPIPlanPtr plan, const Datum *values, const char *nulls,
			   bool read_only, int expected)
{
	int			rc;

	us_schema_guard();
	rc = SPI_execute_plan(plan, (Datum *) values, nulls, read_only, 0);

	if (rc != expected)
		elog(ERROR, "SPI_execute_plan returned %s, expected %s",
			 SPI_result_code_string(rc), SPI_result_code_string(expected));
}

bool
us_spi_run_one(SPIPlanPtr *plan, const char *sql, int nargs, const Oid *types,
			   const Datum *values, const char *nulls, bool read_only,
			   int expected, UsRowReader read, void *out)
{
	MemoryContext cxt = CurrentMemoryContext;
	bool		found;

	SPI_connect();
	us_spi_plan(plan, sql, nargs, types);
	us_spi_execute(*plan, values, nulls, read_only, expected);
	found = SPI_processed > 0;
	if (found && out != NULL)
		read(out, cxt);
	SPI_finish();
	return found;
}

Datum
us_spi_value(int fnumber, bool *isnull)
{
	return SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
						 fnumber, isnull);
}

text *
us_spi_text(int fnumber, MemoryContext cxt)
{
	bool		isnull;
	Datum		d = us_spi_value(fnumber, &isnull);
	MemoryContext old;
	text	   *result;

	if (isnull)
		return NULL;
	old = MemoryContextSwitchTo(cxt);
	result = DatumGetTextPCopy(d);
	MemoryContextSwitchTo(old);
	return result;
}

void
us_spi_rows_to_tuplestore(Tuplestorestate *into, TupleDesc desc)
{
	/* The statements return exactly the result type's columns: store as is. */
	if (SPI_tuptable->tupdesc->natts != desc->natts)
		elog(ERROR, "query returned %d columns, result type has %d",
			 SPI_tuptable->tupdesc->natts, desc->natts);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[i];

		/* A long post body may be a pointer into TOAST: store the value itself. */
		if (HeapTupleHasExternal(tuple))
			tuple = toast_flatten_tuple(tuple, SPI_tuptable->tupdesc);
		tuplestore_puttuple(into, tuple);
	}
}
