/*
 * spi_util.h: the few SPI habits every store shares.
 */
#ifndef USERSERVICE_SPI_UTIL_H
#define USERSERVICE_SPI_UTIL_H

#include "postgres.h"

#include "executor/spi.h"
#include "utils/tuplestore.h"

/*
 * Prepare sql once per backend and keep the plan: *plan is set on first use.
 * The SQL must be fully schema-qualified, operators included, because a
 * cached plan is re-analyzed under the caller's search_path after an
 * invalidation.
 */
extern SPIPlanPtr us_spi_plan(SPIPlanPtr *plan, const char *sql, int nargs,
							  const Oid *argtypes);

/*
 * Run a kept plan, checking the SPI result code against the expected one;
 * first, the schema guard (schema_guard.h).
 */
extern void us_spi_execute(SPIPlanPtr plan, const Datum *values,
						   const char *nulls, bool read_only, int expected);

/* Copies the first result row into out, allocating in cxt. */
typedef void (*UsRowReader) (void *out, MemoryContext cxt);

/*
 * Prepare sql once (into *plan), run it, and let read copy the first row it
 * returned into out, in the caller's memory context; false when it returned
 * none. out may be NULL when only "was there a row" matters.
 */
extern bool us_spi_run_one(SPIPlanPtr *plan, const char *sql, int nargs,
						   const Oid *types, const Datum *values, const char *nulls,
						   bool read_only, int expected, UsRowReader read, void *out);

/* Column fnumber of the first result row, or NULL-flag it. */
extern Datum us_spi_value(int fnumber, bool *isnull);

/* A text column of the first result row, copied into context cxt. */
extern text *us_spi_text(int fnumber, MemoryContext cxt);

/* Copy every row of the last SPI result into a tuplestore of rows like desc. */
extern void us_spi_rows_to_tuplestore(Tuplestorestate *into, TupleDesc desc);

#endif
