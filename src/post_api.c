/*
 * post_api.c: the SQL-callable post functions, users-with-posts and
 * import_users.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

#include "api.h"
#include "caller.h"
#include "import_service.h"
#include "post_service.h"

PG_FUNCTION_INFO_V1(us_create_post);
PG_FUNCTION_INFO_V1(us_get_post);
PG_FUNCTION_INFO_V1(us_update_post);
PG_FUNCTION_INFO_V1(us_delete_post);
PG_FUNCTION_INFO_V1(us_list_posts);
PG_FUNCTION_INFO_V1(us_list_users_with_posts);
PG_FUNCTION_INFO_V1(us_import_users);

/* A userservice.post datum (the function's result type) for row. */
static Datum
post_datum(FunctionCallInfo fcinfo, const PostRow *row)
{
	Datum		values[6];
	bool		nulls[6] = {false};

	values[0] = Int64GetDatum(row->id);
	values[1] = Int64GetDatum(row->author_id);
	values[2] = PointerGetDatum(row->title);
	values[3] = PointerGetDatum(row->body);
	values[4] = TimestampTzGetDatum(row->created_at);
	values[5] = TimestampTzGetDatum(row->updated_at);
	return us_composite_result(fcinfo, values, nulls, lengthof(values));
}

/* create_post(author_id bigint, title text, body text DEFAULT '') */
Datum
us_create_post(PG_FUNCTION_ARGS)
{
	int64		author_id = us_arg_int64(fcinfo, 0, "author_id");
	text	   *title = us_arg_text(fcinfo, 1, "title");
	text	   *body = us_arg_text(fcinfo, 2, "body");
	Caller		caller;
	PostRow		row;

	us_caller_current(&caller);
	post_service_create(&caller, author_id, title, body, &row);
	PG_RETURN_DATUM(post_datum(fcinfo, &row));
}

/* get_post(post_id bigint) */
Datum
us_get_post(PG_FUNCTION_ARGS)
{
	int64		id = us_arg_int64(fcinfo, 0, "post_id");
	Caller		caller;
	PostRow		row;

	us_caller_current(&caller);
	post_service_get(&caller, id, &row);
	PG_RETURN_DATUM(post_datum(fcinfo, &row));
}

/* update_post(post_id bigint, patch jsonb) */
Datum
us_update_post(PG_FUNCTION_ARGS)
{
	int64		id = us_arg_int64(fcinfo, 0, "post_id");
	Caller		caller;
	PostRow		row;

	Jsonb	   *patch = us_arg_jsonb(fcinfo, 1, "patch");

	us_caller_current(&caller);
	post_service_update(&caller, id, patch, &row);
	PG_RETURN_DATUM(post_datum(fcinfo, &row));
}

/* delete_post(post_id bigint) */
Datum
us_delete_post(PG_FUNCTION_ARGS)
{
	int64		id = us_arg_int64(fcinfo, 0, "post_id");
	Caller		caller;

	us_caller_current(&caller);
	post_service_delete(&caller, id);
	PG_RETURN_VOID();
}

/* list_posts(author_id bigint, page_size integer, after_id bigint, skip bigint) */
Datum
us_list_posts(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int64		author_id = us_arg_int64(fcinfo, 0, "author_id");
	Caller		caller;
	PageArgs	page;

	us_caller_current(&caller);
	us_arg_page(fcinfo, 1, 2, 3, &page);
	SetSingleFuncCall(fcinfo, 0);
	post_service_list(&caller, author_id, &page, rsinfo->setResult, rsinfo->setDesc);
	return (Datum) 0;
}

/* list_users_with_posts(page_size integer, after_id bigint, only_active boolean, skip bigint) */
Datum
us_list_users_with_posts(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Caller		caller;
	PageArgs	page;

	us_caller_current(&caller);
	us_arg_page(fcinfo, 0, 1, 3, &page);
	SetSingleFuncCall(fcinfo, 0);
	post_service_list_users_with_posts(&caller, &page, !PG_ARGISNULL(2) && PG_GETARG_BOOL(2),
									   rsinfo->setResult, rsinfo->setDesc);
	return (Datum) 0;
}

/* import_users(users jsonb) returns userservice.import_report */
Datum
us_import_users(PG_FUNCTION_ARGS)
{
	HideStatement hide;
	Caller		caller;
	Datum		values[2];
	bool		nulls[2] = {false};
	int			created;
	Jsonb	   *users;

	us_hide_statement_begin(&hide);		/* the elements may hold passwords */
	us_refuse_read_only("import_users");
	users = us_arg_jsonb(fcinfo, 0, "users");
	us_caller_current(&caller);
	created = import_service_users(&caller, users, &values[1]);
	us_hide_statement_end(&hide);

	values[0] = Int32GetDatum(created);
	PG_RETURN_DATUM(us_composite_result(fcinfo, values, nulls, lengthof(values)));
}
