/*
 * post_service.h: the business rules of posts: validation, authorship,
 * patch semantics, paging limits.
 */
#ifndef USERSERVICE_POST_SERVICE_H
#define USERSERVICE_POST_SERVICE_H

#include "postgres.h"

#include "utils/jsonb.h"

#include "caller.h"
#include "page.h"
#include "post_store.h"

extern void post_service_create(const Caller *caller, int64 author_id, text *title,
								text *body, PostRow *out);
extern void post_service_get(const Caller *caller, int64 id, PostRow *out);
extern void post_service_update(const Caller *caller, int64 id, Jsonb *patch,
								PostRow *out);
extern void post_service_delete(const Caller *caller, int64 id);

/* A page of one author's posts, newest first (signed-in callers). */
extern void post_service_list(const Caller *caller, int64 author_id, const PageArgs *page,
							  Tuplestorestate *into, TupleDesc desc);

/* A page of users with their posts (admins). */
extern void post_service_list_users_with_posts(const Caller *caller, const PageArgs *page,
											   bool only_active, Tuplestorestate *into,
											   TupleDesc desc);

#endif
