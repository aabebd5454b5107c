/*
 * post_store.h: data access for userservice.posts, through SPI (same habits
 * as user_store.h: parameterized, schema-qualified, prepared once).
 */
#ifndef USERSERVICE_POST_STORE_H
#define USERSERVICE_POST_STORE_H

#include "postgres.h"

#include "access/tupdesc.h"
#include "datatype/timestamp.h"
#include "utils/tuplestore.h"

typedef struct PostRow
{
	int64		id;
	int64		author_id;
	text	   *title;
	text	   *body;
	TimestampTz created_at;
	TimestampTz updated_at;
} PostRow;

/* Insert a post; false when no user has author_id. */
extern bool post_store_insert(int64 author_id, text *title, text *body, PostRow *out);
extern bool post_store_get(int64 id, PostRow *out);
extern bool post_store_get_for_update(int64 id, PostRow *out);
extern bool post_store_update(int64 id, text *title, text *body, PostRow *out);
extern bool post_store_delete(int64 id);

/* A page of one author's posts, newest (highest id) first, into a tuplestore of post rows. */
extern void post_store_list(int64 author_id, bool has_after, int64 after_id,
							int64 skip, int32 page_size,
							Tuplestorestate *into, TupleDesc desc);

/* A page of users in id order, each with its posts as a jsonb array, in one statement. */
extern void post_store_list_users_with_posts(bool has_after, int64 after_id,
											 bool only_active, int64 skip,
											 int32 page_size,
											 Tuplestorestate *into, TupleDesc desc);

#endif
