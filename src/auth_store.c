/*
 * auth_store.c: the SQL behind login, revocation and lockout.
 */
#include "postgres.h"

#include "catalog/pg_type_d.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "auth_store.h"
#include "spi_util.h"
#include "user_store.h"

static void
read_login_account(void *out, MemoryContext cxt)
{
	LoginAccount *account = (LoginAccount *) out;
	bool		isnull;
	bool		no_lock;
	text	   *hash = us_spi_text(2, cxt);
	MemoryContext old;

	account->id = DatumGetInt64(us_spi_value(1, &isnull));
	account->is_active = DatumGetBool(us_spi_value(3, &isnull));
	account->is_admin = DatumGetBool(us_spi_value(4, &isnull));
	account->token_version = DatumGetInt32(us_spi_value(5, &isnull));
	account->locked_until = DatumGetTimestampTz(us_spi_value(6, &no_lock));
	account->has_lock = !no_lock;
	account->failures = DatumGetInt32(us_spi_value(7, &isnull));
	account->email = us_spi_text(8, cxt);
	old = MemoryContextSwitchTo(cxt);
	account->hashed_password = text_to_cstring(hash);
	MemoryContextSwitchTo(old);
}

/* The columns read_login_account reads, from users u (and login_failures f). */
#define LOGIN_COLUMNS(lock, failures) \
	"SELECT u.id, u.hashed_password, u.is_active," \
	" u.role OPERATOR(pg_catalog.=) 'admin', u.token_version, " lock ", " failures ", u.email"
#define BY_EMAIL " WHERE " US_LOWER("u.email") " OPERATOR(pg_catalog.=) " US_LOWER("$1")

bool
auth_store_find_login(text *email, LoginAccount *out)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[] = {TEXTOID};
	Datum		values[1] = {PointerGetDatum(email)};

	return us_spi_run_one(&plan,
						  LOGIN_COLUMNS("NULL::pg_catalog.timestamptz", "0")
						  " FROM userservice.users u" BY_EMAIL,
						  1, types, values, NULL, false, SPI_OK_SELECT,
						  read_login_account, out);
}

bool
auth_store_find_login_legacy(text *email, LoginAccount *out)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[] = {TEXTOID};
	Datum		values[1] = {PointerGetDatum(email)};

	return us_spi_run_one(&plan,
						  LOGIN_COLUMNS("f.locked_until", "COALESCE(f.failures, 0)")
						  " FROM userservice.users u"
						  " LEFT JOIN userservice.login_failures f"
						  " ON f.user_id OPERATOR(pg_catalog.=) u.id" BY_EMAIL,
						  1, types, values, NULL, false, SPI_OK_SELECT,
						  read_login_account, out);
}

bool
auth_store_find_login_by_id(int64 user_id, LoginAccount *out)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(user_id)};

	return us_spi_run_one(&plan,
						  LOGIN_COLUMNS("NULL::pg_catalog.timestamptz", "0")
						  " FROM userservice.users u WHERE u.id OPERATOR(pg_catalog.=) $1",
						  1, types, values, NULL, false, SPI_OK_SELECT,
						  read_login_account, out);
}

void
auth_store_clear_failures(int64 user_id)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(user_id)};

	SPI_connect();
	us_spi_plan(&plan,
				"DELETE FROM userservice.login_failures"
				" WHERE user_id OPERATOR(pg_catalog.=) $1",
				1, types);
	us_spi_execute(plan, values, NULL, false, SPI_OK_DELETE);
	SPI_finish();
}

static void
read_token_state(void *out, MemoryContext cxt)
{
	TokenState *state = (TokenState *) out;
	bool		isnull;

	state->is_active = DatumGetBool(us_spi_value(1, &isnull));
	state->is_admin = DatumGetBool(us_spi_value(2, &isnull));
	state->token_version = DatumGetInt32(us_spi_value(3, &isnull));
}

bool
auth_store_token_state(int64 user_id, TokenState *out)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(user_id)};

	return us_spi_run_one(&plan,
						  "SELECT is_active, role OPERATOR(pg_catalog.=) 'admin', token_version"
						  " FROM userservice.users WHERE id OPERATOR(pg_catalog.=) $1",
						  1, types, values, NULL, true, SPI_OK_SELECT,
						  read_token_state, out);
}

/* lockout doubled once per failure beyond the limit, capped at lockout_max. */
static int64
lockout_seconds(int32 failures, int32 max_failures, int32 lockout, int32 lockout_max)
{
	int64		seconds = lockout;

	for (int32 i = max_failures; i < failures && seconds < lockout_max; i++)
		seconds *= 2;
	return Min(seconds, (int64) lockout_max);
}

int32
auth_store_record_failure(int64 user_id, int32 max_failures, int32 lockout,
						  int32 lockout_max)
{
	static SPIPlanPtr count_plan = NULL;
	static SPIPlanPtr lock_plan = NULL;
	static const Oid count_types[] = {INT8OID};
	static const Oid lock_types[] = {INT8OID, INT8OID};
	Datum		values[2];
	int32		failures = 0;

	values[0] = Int64GetDatum(user_id);
	SPI_connect();
	us_spi_plan(&count_plan,
				"INSERT INTO userservice.login_failures AS f"
				" (user_id, failures, last_failed_at)"
				" SELECT id, 1, pg_catalog.now() FROM userservice.users"
				" WHERE id OPERATOR(pg_catalog.=) $1"
				" ON CONFLICT (user_id) DO UPDATE"
				" SET failures = f.failures OPERATOR(pg_catalog.+) 1,"
				" last_failed_at = pg_catalog.now()"
				" RETURNING failures",
				1, count_types);
	us_spi_execute(count_plan, values, NULL, false, SPI_OK_INSERT_RETURNING);
	if (SPI_processed > 0)
	{
		bool		isnull;

		failures = DatumGetInt32(us_spi_value(1, &isnull));
	}
	if (failures >= max_failures)
	{
		values[1] = Int64GetDatum(lockout_seconds(failures, max_failures,
												  lockout, lockout_max));
		us_spi_plan(&lock_plan,
					"UPDATE userservice.login_failures"
					" SET locked_until = pg_catalog.now() OPERATOR(pg_catalog.+)"
					" pg_catalog.make_interval(0, 0, 0, 0, 0, 0, $2::pg_catalog.float8)"
					" WHERE user_id OPERATOR(pg_catalog.=) $1",
					2, lock_types);
		us_spi_execute(lock_plan, values, NULL, false, SPI_OK_UPDATE);
	}
	SPI_finish();
	return failures;
}
