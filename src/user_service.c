/*
 * user_service.c: accounts: create, read, patch, delete.
 */
#include "postgres.h"

#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "auth_service.h"
#include "errors.h"
#include "hashing.h"
#include "login_throttle.h"
#include "password.h"
#include "patch.h"
#include "user_service.h"
#include "user_store.h"
#include "validate.h"

/* Quote at most this many bytes of a client's email in a message. */
#define EMAIL_QUOTE_MAX 254

static void
check_field(const char *field, const char *(*check) (const char *, size_t),
			text *value)
{
	const char *reason = check(VARDATA_ANY(value), VARSIZE_ANY_EXHDR(value));

	if (reason != NULL)
		us_raise_invalid_field(field, reason);
}

void
user_service_raise_not_found(int64 id)
{
	us_raise(US_ERR_NOT_FOUND, "user not found", "No user has id " INT64_FORMAT ".", id);
}

static void
raise_email_taken(text *email)
{
	us_raise(US_ERR_DUPLICATE, "email already registered",
			 "A user with email \"%s\" already exists.", text_to_cstring(email));
}

text *
user_service_normalize_email(text *email)
{
	const unsigned char *s = (const unsigned char *) VARDATA_ANY(email);
	size_t		len = VARSIZE_ANY_EXHDR(email);

	/* ASCII is NFC already; PostgreSQL's normalize() is the CHECK's own rule. */
	for (size_t i = 0; i < len; i++)
	{
		if (s[i] >= 0x80)
			return DatumGetTextPP(DirectFunctionCall2(unicode_normalize_func,
													  PointerGetDatum(email),
													  CStringGetTextDatum("NFC")));
	}
	return email;
}

void
user_service_create(const Caller *caller, text *email, text *password,
					text *display_name, UserRow *out)
{
	char		hash[US_HASH_MAX_LEN];

	us_caller_require_not_user(caller);
	email = user_service_normalize_email(email);
	check_field("email", us_check_email, email);
	auth_service_check_new_password(password, "password");
	check_field("display_name", us_check_display_name, display_name);

	/* The nicer error, before spending a hash on a taken email. */
	if (user_store_email_taken(email, 0))
		raise_email_taken(email);

	us_hash_password(password, "password", hash);
	if (!user_store_insert(email, hash, display_name, out))
		raise_email_taken(email);	/* lost a race to a concurrent twin */
	explicit_bzero(hash, sizeof(hash));
}

void
user_service_get(const Caller *caller, int64 id, UserRow *out)
{
	us_caller_require_self_or_admin(caller, id);
	if (!user_store_get(id, out))
		user_service_raise_not_found(id);
}

void
user_service_get_by_email(const Caller *caller, text *email, UserRow *out)
{
	us_caller_require_admin(caller);
	email = user_service_normalize_email(email);
	if (!user_store_get_by_email(email, out))
	{
		char	   *s = text_to_cstring(email);
		int			quoted = pg_mbcliplen(s, strlen(s), EMAIL_QUOTE_MAX);

		us_raise(US_ERR_NOT_FOUND, "user not found",
				 "No user has email \"%.*s\".", quoted, s);
	}
}

/* The keys update_user accepts, in the order of UserPatchKey. */
typedef enum UserPatchKey
{
	PATCH_EMAIL,
	PATCH_PASSWORD,
	PATCH_DISPLAY_NAME,
	PATCH_IS_ACTIVE,
	PATCH_ROLE,
	PATCH_NKEYS
} UserPatchKey;

static const PatchField user_patch_fields[PATCH_NKEYS] = {
	[PATCH_EMAIL] = {"email", PATCH_STRING},
	[PATCH_PASSWORD] = {"password", PATCH_STRING},
	[PATCH_DISPLAY_NAME] = {"display_name", PATCH_STRING},
	[PATCH_IS_ACTIVE] = {"is_active", PATCH_BOOLEAN},
	[PATCH_ROLE] = {"role", PATCH_STRING},
};

/* A user may change their email and display name; the rest needs an admin. */
static void
check_patch_rights(const Caller *caller, const PatchValue *p)
{
	static const UserPatchKey admin_only[] = {PATCH_IS_ACTIVE, PATCH_ROLE, PATCH_PASSWORD};

	if (caller->kind == CALLER_TRUSTED || caller->kind == CALLER_ADMIN)
		return;
	for (size_t i = 0; i < lengthof(admin_only); i++)
	{
		if (p[admin_only[i]].present)
			us_raise(US_ERR_NOT_ALLOWED, "not allowed",
					 admin_only[i] == PATCH_PASSWORD ?
					 "Key \"%s\" may only be patched by an administrator; users call change_password." :
					 "Key \"%s\" may only be patched by an administrator.",
					 user_patch_fields[admin_only[i]].key);
	}
}

void
user_service_update(const Caller *caller, int64 id, Jsonb *patch,
					bool check_version, int32 expected_version,
					UserSchema schema, UserRow *out)
{
	bool		revoke_tokens = schema >= USER_SCHEMA_1_1;
	PatchValue	p[PATCH_NKEYS];
	char		hash[US_HASH_MAX_LEN];
	UserRow		current;
	UserChange	change;
	bool		changed;
	bool		email_changed = false;

	/* Everything about the patch is checked before the row is locked. */
	us_caller_require_self_or_admin(caller, id);
	us_patch_read(patch, user_patch_fields, PATCH_NKEYS, p);
	check_patch_rights(caller, p);
	if (p[PATCH_EMAIL].present)
	{
		p[PATCH_EMAIL].string = user_service_normalize_email(p[PATCH_EMAIL].string);
		check_field("email", us_check_email, p[PATCH_EMAIL].string);
	}
	if (p[PATCH_DISPLAY_NAME].present)
		check_field("display_name", us_check_display_name,
					p[PATCH_DISPLAY_NAME].string);
	if (p[PATCH_ROLE].present)
		check_field("role", us_check_role, p[PATCH_ROLE].string);
	if (p[PATCH_PASSWORD].present)
	{
		auth_service_check_new_password(p[PATCH_PASSWORD].string, "password");
		us_hash_password(p[PATCH_PASSWORD].string, "password", hash);
	}

	if (!user_store_get_for_update(id, &current))
		user_service_raise_not_found(id);

	if (check_version && current.version != expected_version)
		us_raise(US_ERR_STALE_WRITE, "user was changed by someone else",
				 "User " INT64_FORMAT " is at version %d, not %d.",
				 id, current.version, expected_version);

	change.email = current.email;
	change.display_name = current.display_name;
	change.is_active = current.is_active;
	change.role = current.role;
	change.hashed_password = NULL;
	change.revoke_tokens = false;
	changed = false;

	if (p[PATCH_EMAIL].present && !us_text_equal(p[PATCH_EMAIL].string, current.email))
	{
		change.email = p[PATCH_EMAIL].string;
		changed = true;
		email_changed = true;
	}
	if (p[PATCH_DISPLAY_NAME].present &&
		!us_text_equal(p[PATCH_DISPLAY_NAME].string, current.display_name))
	{
		change.display_name = p[PATCH_DISPLAY_NAME].string;
		changed = true;
	}
	/* Deactivation and a role change revoke tokens, so reactivating or
	 * re-promoting does not bring old tokens back to life. */
	if (p[PATCH_IS_ACTIVE].present && p[PATCH_IS_ACTIVE].boolean != current.is_active)
	{
		change.is_active = p[PATCH_IS_ACTIVE].boolean;
		change.revoke_tokens = revoke_tokens && !change.is_active;
		changed = true;
	}
	if (p[PATCH_ROLE].present && !us_text_equal(p[PATCH_ROLE].string, current.role))
	{
		change.role = p[PATCH_ROLE].string;
		change.revoke_tokens = revoke_tokens;
		changed = true;
	}
	if (p[PATCH_PASSWORD].present)
	{
		/* A new salt makes every password patch a real change. */
		change.hashed_password = hash;
		change.revoke_tokens = revoke_tokens;
		changed = true;
	}

	if (!changed)
	{
		*out = current;
		return;
	}

	if (email_changed && user_store_email_taken(change.email, id))
		raise_email_taken(change.email);

	switch (user_store_update(id, &change, email_changed, out))
	{
		case USER_UPDATED:
			break;
		case USER_UPDATE_NOT_FOUND:
			elog(ERROR, "user " INT64_FORMAT " vanished while locked", id);
			break;
		case USER_UPDATE_EMAIL_TAKEN:
			raise_email_taken(change.email);
			break;
	}
	/* An administrator's new password also ends a lockout (schema 1.3 on). */
	if (p[PATCH_PASSWORD].present && schema >= USER_SCHEMA_1_3)
		login_throttle_clear(id, out->email);
	explicit_bzero(hash, sizeof(hash));
}

void
user_service_delete(const Caller *caller, int64 id)
{
	us_caller_require_admin(caller);
	if (!user_store_delete(id))
		user_service_raise_not_found(id);
}

void
user_service_list(const Caller *caller, const PageArgs *page,
				  Tuplestorestate *into, TupleDesc desc)
{
	us_caller_require_admin(caller);
	user_store_list(page->after_id, page->has_after, page->skip, page->page_size,
					into, desc);
}
