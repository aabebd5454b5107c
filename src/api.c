/*
 * api.c: argument and result helpers for the SQL-callable functions.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/timestamp.h"

#include "api.h"
#include "errors.h"
#include "validate.h"

static void
raise_required(const char *name)
{
	us_raise_invalid_field(name, "is required");
}

text *
us_arg_text(FunctionCallInfo fcinfo, int argno, const char *name)
{
	if (PG_ARGISNULL(argno))
		raise_required(name);
	return PG_GETARG_TEXT_PP(argno);
}

int64
us_arg_int64(FunctionCallInfo fcinfo, int argno, const char *name)
{
	if (PG_ARGISNULL(argno))
		raise_required(name);
	return PG_GETARG_INT64(argno);
}

Jsonb *
us_arg_jsonb(FunctionCallInfo fcinfo, int argno, const char *name)
{
	if (PG_ARGISNULL(argno))
		raise_required(name);
	return PG_GETARG_JSONB_P(argno);
}

void
us_refuse_read_only(const char *function)
{
	/*
	 * A standby is read-only too, and cannot count a failed attempt: refused
	 * there before any hashing, whatever the schema version's own rules.
	 */
	if (RecoveryInProgress())
		us_raise(US_ERR_UNAVAILABLE, "cannot call a password function on a standby",
				 "%s takes a password or a secret and is unavailable on a standby; call it on the primary.",
				 function);
	if (XactReadOnly)
		us_raise(US_ERR_READ_ONLY, "cannot call a password function in a read-only transaction",
				 "%s takes a password or a secret: call it with POST, not GET, so that it is not in a URL.",
				 function);
}

Datum
us_composite_result(FunctionCallInfo fcinfo, Datum *values, bool *nulls, int natts)
{
	TupleDesc	tupdesc = (TupleDesc) fcinfo->flinfo->fn_extra;

	if (tupdesc == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);

		if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
			elog(ERROR, "return type must be a row type");
		tupdesc = BlessTupleDesc(tupdesc);
		MemoryContextSwitchTo(old);
		/* The SQL's result type and the C's values must agree (a script and the .so out of step). */
		if (tupdesc->natts != natts)
			elog(ERROR, "function returns a row of %d columns, its result type has %d",
				 natts, tupdesc->natts);
		fcinfo->flinfo->fn_extra = tupdesc;
	}
	return HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
}

Datum
us_user_profile_datum(FunctionCallInfo fcinfo, const UserRow *row)
{
	Datum		values[8];
	bool		nulls[8] = {false};

	values[0] = Int64GetDatum(row->id);
	values[1] = PointerGetDatum(row->email);
	values[2] = PointerGetDatum(row->display_name);
	values[3] = BoolGetDatum(row->is_active);
	values[4] = PointerGetDatum(row->role);
	values[5] = Int32GetDatum(row->version);
	values[6] = TimestampTzGetDatum(row->created_at);
	values[7] = TimestampTzGetDatum(row->updated_at);
	return us_composite_result(fcinfo, values, nulls, lengthof(values));
}

void
us_arg_page(FunctionCallInfo fcinfo, int size_argno, int after_argno,
			int skip_argno, PageArgs *page)
{
	page->page_size = PG_ARGISNULL(size_argno) ? US_PAGE_SIZE_DEFAULT :
		PG_GETARG_INT32(size_argno);
	page->has_after = !PG_ARGISNULL(after_argno);
	page->after_id = page->has_after ? PG_GETARG_INT64(after_argno) : 0;
	page->skip = PG_ARGISNULL(skip_argno) ? 0 : PG_GETARG_INT64(skip_argno);

	if (page->page_size < 1 || page->page_size > US_PAGE_SIZE_MAX)
		us_raise_invalid_field("page_size", "must be between 1 and 1000");
	if (page->skip < 0)
		us_raise_invalid_field("skip", "must not be negative");
}
