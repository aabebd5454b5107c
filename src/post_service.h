/*
 * post_service.h: the business rules of posts: validation, authorship,
 * patch semantics, paging limits.
 */
#ifndef USERSERVICE_POST_SERVICE_H
#define USERSERVICE_POST_SERVICE_H

#include "postgres.h"

#include "utils/jsonb.h"

#include "caller.h"
#include "post_store.h"

extern void post_service_create(const Caller *caller, int64 author_id, text *title,
								text *body, PostRow *out);
extern void post_service_get(int64 id, PostRow *out);
extern void post_service_update(const Caller *caller, int64 id, Jsonb *patch,
								PostRow *out);
extern void post_service_delete(const Caller *caller, int64 id);

#endif
