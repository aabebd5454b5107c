/*
 * post_store.c: the SQL for userservice.posts.
 */
#include "postgres.h"

#include "catalog/pg_type_d.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "post_store.h"
#include "spi_util.h"

#define POST_COLUMNS "id, author_id, title, body, created_at, updated_at"

/* Copy the first result row (POST_COLUMNS) into a PostRow, in cxt. */
static void
read_post_row(void *out, MemoryContext cxt)
{
	PostRow    *row = (PostRow *) out;
	bool		isnull;

	row->id = DatumGetInt64(us_spi_value(1, &isnull));
	row->author_id = DatumGetInt64(us_spi_value(2, &isnull));
	row->title = us_spi_text(3, cxt);
	row->body = us_spi_text(4, cxt);
	row->created_at = DatumGetTimestampTz(us_spi_value(5, &isnull));
	row->updated_at = DatumGetTimestampTz(us_spi_value(6, &isnull));
}

/* A statement returning POST_COLUMNS: its first row into out. */
static bool
run_post_statement(SPIPlanPtr *plan, const char *sql, int nargs,
				   const Oid *types, const Datum *values, bool read_only,
				   int expected, PostRow *out)
{
	return us_spi_run_one(plan, sql, nargs, types, values, NULL, read_only,
						  expected, read_post_row, out);
}

bool
post_store_insert(int64 author_id, text *title, text *body, PostRow *out)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[] = {INT8OID, TEXTOID, TEXTOID};
	Datum		values[3] = {Int64GetDatum(author_id), PointerGetDatum(title),
	PointerGetDatum(body)};

	/* Selecting the author makes "no such user" zero rows, not a foreign key error. */
	return run_post_statement(&plan,
							  "INSERT INTO userservice.posts (author_id, title, body)"
							  " SELECT id, $2, $3 FROM userservice.users"
							  " WHERE id OPERATOR(pg_catalog.=) $1"
							  " RETURNING " POST_COLUMNS,
							  3, types, values, false, SPI_OK_INSERT_RETURNING, out);
}

bool
post_store_get(int64 id, PostRow *out)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(id)};

	return run_post_statement(&plan,
							  "SELECT " POST_COLUMNS " FROM userservice.posts"
							  " WHERE id OPERATOR(pg_catalog.=) $1",
							  1, types, values, true, SPI_OK_SELECT, out);
}

bool
post_store_get_for_update(int64 id, PostRow *out)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(id)};

	return run_post_statement(&plan,
							  "SELECT " POST_COLUMNS " FROM userservice.posts"
							  " WHERE id OPERATOR(pg_catalog.=) $1 FOR UPDATE",
							  1, types, values, false, SPI_OK_SELECT, out);
}

bool
post_store_update(int64 id, text *title, text *body, PostRow *out)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[] = {INT8OID, TEXTOID, TEXTOID};
	Datum		values[3] = {Int64GetDatum(id), PointerGetDatum(title),
	PointerGetDatum(body)};

	return run_post_statement(&plan,
							  "UPDATE userservice.posts SET title = $2, body = $3,"
							  " updated_at = pg_catalog.clock_timestamp()"
							  " WHERE id OPERATOR(pg_catalog.=) $1"
							  " RETURNING " POST_COLUMNS,
							  3, types, values, false, SPI_OK_UPDATE_RETURNING, out);
}

bool
post_store_delete(int64 id)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(id)};

	return run_post_statement(&plan,
							  "DELETE FROM userservice.posts WHERE id OPERATOR(pg_catalog.=) $1"
							  " RETURNING " POST_COLUMNS,
							  1, types, values, false, SPI_OK_DELETE_RETURNING, NULL);
}

void
post_store_list(int64 author_id, bool has_after, int64 after_id, int64 skip,
				int32 page_size, Tuplestorestate *into, TupleDesc desc)
{
	static SPIPlanPtr first_plan = NULL;
	static SPIPlanPtr after_plan = NULL;
	static const Oid types[] = {INT8OID, INT4OID, INT8OID, INT8OID};
	Datum		values[4] = {Int64GetDatum(author_id), Int32GetDatum(page_size),
	Int64GetDatum(skip), Int64GetDatum(after_id)};
	SPIPlanPtr	plan;

	SPI_connect();
	/* Newest first on ix_posts_author_id (author_id, id DESC). */
	if (has_after)
		plan = us_spi_plan(&after_plan,
						   "SELECT " POST_COLUMNS " FROM userservice.posts"
						   " WHERE author_id OPERATOR(pg_catalog.=) $1"
						   " AND id OPERATOR(pg_catalog.<) $4"
						   " ORDER BY id DESC LIMIT $2 OFFSET $3",
						   4, types);
	else
		plan = us_spi_plan(&first_plan,
						   "SELECT " POST_COLUMNS " FROM userservice.posts"
						   " WHERE author_id OPERATOR(pg_catalog.=) $1"
						   " ORDER BY id DESC LIMIT $2 OFFSET $3",
						   3, types);
	us_spi_execute(plan, values, NULL, true, SPI_OK_SELECT);
	us_spi_rows_to_tuplestore(into, desc);
	SPI_finish();
}

/*
 * Users of the page, then their newest posts aggregated in one pass of a
 * lateral join. The cap keeps one prolific user's array far below jsonb's
 * 256 MB limit (100 posts of 100,000 characters); list_posts pages the rest.
 */
#define US_POSTS_PER_USER_MAX 100

#define USERS_WITH_POSTS(user_filter) \
	"SELECT u.id, u.email, u.display_name, u.is_active, u.role, u.version," \
	" u.created_at, u.updated_at, COALESCE(p.posts, '[]'::pg_catalog.jsonb)" \
	" FROM (SELECT * FROM userservice.users" \
	" WHERE (is_active OR NOT $3) " user_filter \
	" ORDER BY id LIMIT $1 OFFSET $2) u" \
	" LEFT JOIN LATERAL (SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(" \
	" 'id', p.id, 'title', p.title, 'body', p.body," \
	" 'created_at', p.created_at, 'updated_at', p.updated_at) ORDER BY p.id DESC) AS posts" \
	" FROM (SELECT * FROM userservice.posts p WHERE p.author_id OPERATOR(pg_catalog.=) u.id" \
	" ORDER BY p.id DESC LIMIT " CppAsString2(US_POSTS_PER_USER_MAX) ") p) p ON true" \
	" ORDER BY u.id"

void
post_store_list_users_with_posts(bool has_after, int64 after_id, bool only_active,
								 int64 skip, int32 page_size,
								 Tuplestorestate *into, TupleDesc desc)
{
	static SPIPlanPtr first_plan = NULL;
	static SPIPlanPtr after_plan = NULL;
	static const Oid types[] = {INT4OID, INT8OID, BOOLOID, INT8OID};
	Datum		values[4] = {Int32GetDatum(page_size), Int64GetDatum(skip),
	BoolGetDatum(only_active), Int64GetDatum(after_id)};
	SPIPlanPtr	plan;

	SPI_connect();
	if (has_after)
		plan = us_spi_plan(&after_plan,
						   USERS_WITH_POSTS("AND id OPERATOR(pg_catalog.>) $4"),
						   4, types);
	else
		plan = us_spi_plan(&first_plan, USERS_WITH_POSTS(""), 3, types);
	us_spi_execute(plan, values, NULL, true, SPI_OK_SELECT);
	us_spi_rows_to_tuplestore(into, desc);
	SPI_finish();
}
