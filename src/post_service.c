/*
 * post_service.c: posts: create, read, patch, delete.
 */
#include "postgres.h"

#include "errors.h"
#include "patch.h"
#include "post_service.h"
#include "post_store.h"
#include "user_service.h"
#include "validate.h"

static void
check_title(text *title)
{
	const char *reason = us_check_text(VARDATA_ANY(title), VARSIZE_ANY_EXHDR(title),
									   1, US_TITLE_MAX_CHARS, false);

	if (reason != NULL)
		us_raise_invalid_field("title", reason);
}

static void
check_body(text *body)
{
	const char *reason = us_check_text(VARDATA_ANY(body), VARSIZE_ANY_EXHDR(body),
									   0, US_BODY_MAX_CHARS, true);

	if (reason != NULL)
		us_raise_invalid_field("body", reason);
}

static void
raise_post_not_found(int64 id)
{
	us_raise(US_ERR_NOT_FOUND, "post not found", "No post has id " INT64_FORMAT ".", id);
}

void
post_service_create(const Caller *caller, int64 author_id, text *title, text *body,
					PostRow *out)
{
	us_caller_require_self_or_admin(caller, author_id);
	check_title(title);
	check_body(body);
	if (!post_store_insert(author_id, title, body, out))
		user_service_raise_not_found(author_id);
}

void
post_service_get(const Caller *caller, int64 id, PostRow *out)
{
	us_caller_require_signed_in(caller);
	if (!post_store_get(id, out))
		raise_post_not_found(id);
}

enum
{
	POST_PATCH_TITLE,
	POST_PATCH_BODY,
	POST_PATCH_NKEYS
};

static const PatchField post_patch_fields[POST_PATCH_NKEYS] = {
	[POST_PATCH_TITLE] = {"title", PATCH_STRING},
	[POST_PATCH_BODY] = {"body", PATCH_STRING},
};

void
post_service_update(const Caller *caller, int64 id, Jsonb *patch, PostRow *out)
{
	PatchValue	p[POST_PATCH_NKEYS];
	PostRow		current;
	text	   *title;
	text	   *body;

	us_caller_require_signed_in(caller);
	us_patch_read(patch, post_patch_fields, POST_PATCH_NKEYS, p);
	if (p[POST_PATCH_TITLE].present)
		check_title(p[POST_PATCH_TITLE].string);
	if (p[POST_PATCH_BODY].present)
		check_body(p[POST_PATCH_BODY].string);

	if (!post_store_get_for_update(id, &current))
		raise_post_not_found(id);
	us_caller_require_self_or_admin(caller, current.author_id);

	title = p[POST_PATCH_TITLE].present ? p[POST_PATCH_TITLE].string : current.title;
	body = p[POST_PATCH_BODY].present ? p[POST_PATCH_BODY].string : current.body;
	if (us_text_equal(title, current.title) && us_text_equal(body, current.body))
	{
		*out = current;			/* nothing really changes: updated_at stays */
		return;
	}
	if (!post_store_update(id, title, body, out))
		raise_post_not_found(id);
}

void
post_service_delete(const Caller *caller, int64 id)
{
	PostRow		current;

	us_caller_require_signed_in(caller);
	if (!post_store_get_for_update(id, &current))
		raise_post_not_found(id);
	us_caller_require_self_or_admin(caller, current.author_id);
	post_store_delete(id);
}

void
post_service_list(const Caller *caller, int64 author_id, const PageArgs *page,
				  Tuplestorestate *into, TupleDesc desc)
{
	us_caller_require_signed_in(caller);
	post_store_list(author_id, page->has_after, page->after_id, page->skip,
					page->page_size, into, desc);
}

void
post_service_list_users_with_posts(const Caller *caller, const PageArgs *page,
								   bool only_active, Tuplestorestate *into,
								   TupleDesc desc)
{
	us_caller_require_admin(caller);
	post_store_list_users_with_posts(page->has_after, page->after_id, only_active,
									 page->skip, page->page_size, into, desc);
}
