/*
 * user_store.c: the SQL for userservice.users, one statement per function.
 */
#include "postgres.h"

#include "catalog/pg_type_d.h"
#include "access/htup_details.h"
#include "access/xact.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "catalog/pg_type.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"

#include "spi_util.h"
#include "user_store.h"

/* The columns every reader returns, in UserRow order. */
#define USER_COLUMNS \
	"id, email, display_name, is_active, role, version, created_at, updated_at"

/* Copy the first result row (USER_COLUMNS) into a UserRow, in cxt. */
static void
read_user_row(void *out, MemoryContext cxt)
{
	UserRow    *row = (UserRow *) out;
	bool		isnull;

	row->id = DatumGetInt64(us_spi_value(1, &isnull));
	row->email = us_spi_text(2, cxt);
	row->display_name = us_spi_text(3, cxt);
	row->is_active = DatumGetBool(us_spi_value(4, &isnull));
	row->role = us_spi_text(5, cxt);
	row->version = DatumGetInt32(us_spi_value(6, &isnull));
	row->created_at = DatumGetTimestampTz(us_spi_value(7, &isnull));
	row->updated_at = DatumGetTimestampTz(us_spi_value(8, &isnull));
}

/* A statement returning USER_COLUMNS: its first row into out. */
static bool
run_user_statement(SPIPlanPtr *plan, const char *sql, int nargs,
				   const Oid *types, const Datum *values, const char *nulls,
				   bool read_only, int expected, UserRow *out)
{
	return us_spi_run_one(plan, sql, nargs, types, values, nulls, read_only,
						  expected, read_user_row, out);
}

bool
user_store_insert(text *email, const char *hashed_password,
				  text *display_name, UserRow *out)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[] = {TEXTOID, TEXTOID, TEXTOID};
	Datum		values[3];
	bool		inserted;

	values[0] = PointerGetDatum(email);
	values[1] = CStringGetTextDatum(hashed_password);
	values[2] = PointerGetDatum(display_name);

	/* DO NOTHING rather than an error: a concurrent twin ends as "taken". */
	inserted = run_user_statement(&plan,
				"INSERT INTO userservice.users (email, hashed_password, display_name)"
				" VALUES ($1, $2, $3)"
				" ON CONFLICT ((" US_LOWER("email") ")) DO NOTHING"
				" RETURNING " USER_COLUMNS,
				3, types, values, NULL, false, SPI_OK_INSERT_RETURNING, out);
	pfree(DatumGetPointer(values[1]));
	return inserted;
}

bool
user_store_get(int64 id, UserRow *out)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(id)};

	return run_user_statement(&plan,
				"SELECT " USER_COLUMNS " FROM userservice.users"
				" WHERE id OPERATOR(pg_catalog.=) $1",
							  1, types, values, NULL, true, SPI_OK_SELECT, out);
}

bool
user_store_get_for_update(int64 id, UserRow *out)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(id)};

	return run_user_statement(&plan,
				"SELECT " USER_COLUMNS " FROM userservice.users"
				" WHERE id OPERATOR(pg_catalog.=) $1 FOR UPDATE",
							  1, types, values, NULL, false, SPI_OK_SELECT, out);
}

bool
user_store_get_by_email(text *email, UserRow *out)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[] = {TEXTOID};
	Datum		values[1] = {PointerGetDatum(email)};

	return run_user_statement(&plan,
				"SELECT " USER_COLUMNS " FROM userservice.users"
				" WHERE " US_LOWER("email") " OPERATOR(pg_catalog.=) " US_LOWER("$1"),
							  1, types, values, NULL, true, SPI_OK_SELECT, out);
}

bool
user_store_email_taken(text *email, int64 except_id)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[] = {TEXTOID, INT8OID};
	Datum		values[2] = {PointerGetDatum(email), Int64GetDatum(except_id)};
	bool		taken;

	SPI_connect();
	us_spi_plan(&plan,
				"SELECT 1 FROM userservice.users"
				" WHERE " US_LOWER("email") " OPERATOR(pg_catalog.=) " US_LOWER("$1")
				" AND id OPERATOR(pg_catalog.<>) $2",
				2, types);
	us_spi_execute(plan, values, NULL, false, SPI_OK_SELECT);
	taken = SPI_processed > 0;
	SPI_finish();
	return taken;
}

#define UPDATE_SET \
	"UPDATE userservice.users SET email = $2, display_name = $3," \
	" is_active = $4, role = $5," \
	" hashed_password = COALESCE($6, hashed_password)," \
	" version = version OPERATOR(pg_catalog.+) 1," \
	" updated_at = pg_catalog.clock_timestamp()"
#define UPDATE_WHERE \
	" WHERE id OPERATOR(pg_catalog.=) $1 RETURNING " USER_COLUMNS

static bool
run_update(const Datum *values, const char *nulls, bool revoke_tokens,
		   UserRow *out)
{
	static SPIPlanPtr plan_1_0 = NULL;
	static SPIPlanPtr plan = NULL;
	static const Oid types[] = {INT8OID, TEXTOID, TEXTOID, BOOLOID, TEXTOID, TEXTOID};

	/* Schema 1.0 has no token_version; its update_user keeps this shape. */
	if (!revoke_tokens)
		return run_user_statement(&plan_1_0, UPDATE_SET UPDATE_WHERE,
								  6, types, values, nulls, false,
								  SPI_OK_UPDATE_RETURNING, out);
	return run_user_statement(&plan,
							  UPDATE_SET ", token_version = token_version OPERATOR(pg_catalog.+) 1"
							  UPDATE_WHERE,
							  6, types, values, nulls, false,
							  SPI_OK_UPDATE_RETURNING, out);
}

/* run_update in a subtransaction, turning uq_users_email's error into a result. */
static UserUpdateResult
run_update_catching_email(const Datum *values, const char *nulls,
						  bool revoke_tokens, UserRow *out)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	volatile UserUpdateResult result = USER_UPDATE_NOT_FOUND;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		if (run_update(values, nulls, revoke_tokens, out))
			result = USER_UPDATED;
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;

		if (edata->sqlerrcode != ERRCODE_UNIQUE_VIOLATION ||
			edata->constraint_name == NULL ||
			strcmp(edata->constraint_name, "uq_users_email") != 0)
			ReThrowError(edata);
		FreeErrorData(edata);
		result = USER_UPDATE_EMAIL_TAKEN;
	}
	PG_END_TRY();
	return result;
}

UserUpdateResult
user_store_update(int64 id, const UserChange *change, bool email_changed,
				  UserRow *out)
{
	Datum		values[6];
	char		nulls[6] = {' ', ' ', ' ', ' ', ' ', ' '};
	UserUpdateResult result;

	values[0] = Int64GetDatum(id);
	values[1] = PointerGetDatum(change->email);
	values[2] = PointerGetDatum(change->display_name);
	values[3] = BoolGetDatum(change->is_active);
	values[4] = PointerGetDatum(change->role);
	values[5] = (Datum) 0;
	if (change->hashed_password != NULL)
		values[5] = CStringGetTextDatum(change->hashed_password);
	else
		nulls[5] = 'n';

	if (email_changed)
		result = run_update_catching_email(values, nulls, change->revoke_tokens, out);
	else
		result = run_update(values, nulls, change->revoke_tokens, out) ?
			USER_UPDATED : USER_UPDATE_NOT_FOUND;

	if (change->hashed_password != NULL)
		pfree(DatumGetPointer(values[5]));
	return result;
}

bool
user_store_set_hash(int64 id, const char *hashed_password, const char *verified_hash)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[] = {INT8OID, TEXTOID, TEXTOID};
	Datum		values[3];
	bool		updated;

	values[0] = Int64GetDatum(id);
	values[1] = CStringGetTextDatum(hashed_password);
	values[2] = CStringGetTextDatum(verified_hash);

	/*
	 * Only if the hash is still the one verified: a password change that
	 * committed meanwhile (we waited on its row lock) must not be undone.
	 */
	SPI_connect();
	us_spi_plan(&plan,
				"UPDATE userservice.users SET hashed_password = $2"
				" WHERE id OPERATOR(pg_catalog.=) $1"
				" AND hashed_password OPERATOR(pg_catalog.=) $3",
				3, types);
	us_spi_execute(plan, values, NULL, false, SPI_OK_UPDATE);
	updated = SPI_processed > 0;
	SPI_finish();
	pfree(DatumGetPointer(values[1]));
	pfree(DatumGetPointer(values[2]));
	return updated;
}

bool
user_store_revoke_tokens(int64 user_id)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(user_id)};
	bool		found;

	SPI_connect();
	us_spi_plan(&plan,
				"UPDATE userservice.users"
				" SET token_version = token_version OPERATOR(pg_catalog.+) 1"
				" WHERE id OPERATOR(pg_catalog.=) $1",
				1, types);
	us_spi_execute(plan, values, NULL, false, SPI_OK_UPDATE);
	found = SPI_processed > 0;
	SPI_finish();
	return found;
}

bool
user_store_set_password(int64 user_id, const char *hashed_password)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[] = {INT8OID, TEXTOID};
	Datum		values[2];
	bool		found;

	values[0] = Int64GetDatum(user_id);
	values[1] = CStringGetTextDatum(hashed_password);
	SPI_connect();
	us_spi_plan(&plan,
				"UPDATE userservice.users SET hashed_password = $2,"
				" token_version = token_version OPERATOR(pg_catalog.+) 1,"
				" version = version OPERATOR(pg_catalog.+) 1,"
				" updated_at = pg_catalog.clock_timestamp()"
				" WHERE id OPERATOR(pg_catalog.=) $1",
				2, types);
	us_spi_execute(plan, values, NULL, false, SPI_OK_UPDATE);
	found = SPI_processed > 0;
	SPI_finish();
	pfree(DatumGetPointer(values[1]));
	return found;
}

bool
user_store_delete(int64 id)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(id)};
	bool		deleted;

	SPI_connect();
	us_spi_plan(&plan,
				"DELETE FROM userservice.users WHERE id OPERATOR(pg_catalog.=) $1",
				1, types);
	us_spi_execute(plan, values, NULL, false, SPI_OK_DELETE);
	deleted = SPI_processed > 0;
	SPI_finish();
	return deleted;
}

int
user_store_list(int64 after_id, bool has_after, int64 skip, int32 page_size,
				Tuplestorestate *into, TupleDesc into_desc)
{
	static SPIPlanPtr first_plan = NULL;
	static SPIPlanPtr after_plan = NULL;
	static const Oid first_types[] = {INT4OID, INT8OID};
	static const Oid after_types[] = {INT4OID, INT8OID, INT8OID};
	Datum		values[3] = {Int32GetDatum(page_size), Int64GetDatum(skip),
	Int64GetDatum(after_id)};
	SPIPlanPtr	plan;
	int			n;

	SPI_connect();
	/* Two statements, not "$3 IS NULL OR id > $3": each keeps its index plan. */
	if (has_after)
		plan = us_spi_plan(&after_plan,
						   "SELECT " USER_COLUMNS " FROM userservice.users"
						   " WHERE id OPERATOR(pg_catalog.>) $3"
						   " ORDER BY id LIMIT $1 OFFSET $2",
						   3, after_types);
	else
		plan = us_spi_plan(&first_plan,
						   "SELECT " USER_COLUMNS " FROM userservice.users"
						   " ORDER BY id LIMIT $1 OFFSET $2",
						   2, first_types);
	us_spi_execute(plan, values, NULL, true, SPI_OK_SELECT);
	n = (int) SPI_processed;
	us_spi_rows_to_tuplestore(into, into_desc);
	SPI_finish();
	return n;
}

static Datum
text_array(Datum *elems, int n)
{
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

text *
user_store_first_duplicate_email(Datum *emails, int n)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[] = {TEXTARRAYOID};
	Datum		values[1] = {text_array(emails, n)};
	MemoryContext cxt = CurrentMemoryContext;
	text	   *dup = NULL;

	SPI_connect();
	us_spi_plan(&plan,
				"SELECT e FROM (SELECT e, i, pg_catalog.row_number() OVER"
				" (PARTITION BY " US_LOWER("e") " ORDER BY i) AS nth"
				" FROM pg_catalog.unnest($1) WITH ORDINALITY AS b(e, i)) b"
				" WHERE nth OPERATOR(pg_catalog.>) 1"
				" OR EXISTS (SELECT 1 FROM userservice.users u WHERE"
				" " US_LOWER("u.email") " OPERATOR(pg_catalog.=) " US_LOWER("b.e") ")"
				" ORDER BY i LIMIT 1",
				1, types);
	us_spi_execute(plan, values, NULL, false, SPI_OK_SELECT);
	if (SPI_processed > 0)
		dup = us_spi_text(1, cxt);
	SPI_finish();
	return dup;
}

int
user_store_insert_many(Datum *emails, Datum *hashes, Datum *names, int n,
					   Datum *ids_array)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[] = {TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID};
	Datum		values[3] = {text_array(emails, n), text_array(hashes, n),
	text_array(names, n)};
	MemoryContext cxt = CurrentMemoryContext;
	int			inserted;
	Datum	   *ids;
	MemoryContext old;

	SPI_connect();
	us_spi_plan(&plan,
				"INSERT INTO userservice.users (email, hashed_password, display_name)"
				" SELECT * FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2), pg_catalog.unnest($3))"
				" ON CONFLICT ((" US_LOWER("email") ")) DO NOTHING"
				" RETURNING id",
				3, types);
	us_spi_execute(plan, values, NULL, false, SPI_OK_INSERT_RETURNING);
	inserted = (int) SPI_processed;
	old = MemoryContextSwitchTo(cxt);
	ids = palloc(sizeof(Datum) * Max(inserted, 1));
	for (int i = 0; i < inserted; i++)
	{
		bool		isnull;

		ids[i] = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull);
	}
	*ids_array = PointerGetDatum(construct_array(ids, inserted, INT8OID, 8, true,
												 TYPALIGN_DOUBLE));
	MemoryContextSwitchTo(old);
	SPI_finish();
	return inserted;
}
