/*
 * import_service.c: import_users: checks per element in C, one set-based
 * INSERT for the whole batch.
 */
#include "postgres.h"

#include "catalog/pg_type_d.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "miscadmin.h"

#include "auth_service.h"
#include "config.h"
#include "errors.h"
#include "hashing.h"
#include "import_service.h"
#include "password.h"
#include "patch.h"
#include "user_service.h"
#include "user_store.h"
#include "validate.h"

enum
{
	IMPORT_EMAIL,
	IMPORT_PASSWORD,
	IMPORT_PASSWORD_HASH,
	IMPORT_DISPLAY_NAME,
	IMPORT_NKEYS
};

static const PatchField import_fields[IMPORT_NKEYS] = {
	[IMPORT_EMAIL] = {"email", PATCH_STRING},
	[IMPORT_PASSWORD] = {"password", PATCH_STRING},
	[IMPORT_PASSWORD_HASH] = {"password_hash", PATCH_STRING},
	[IMPORT_DISPLAY_NAME] = {"display_name", PATCH_STRING},
};

static void
raise_element(int i, const char *field, const char *reason)
{
	us_raise(US_ERR_INVALID, "invalid users", "Field \"%s\" of users[%d] %s.",
			 field, i, reason);
}

static void
check_element_field(int i, const char *field, PatchValue *v,
					const char *(*check) (const char *, size_t))
{
	const char *reason;

	if (!v->present)
		raise_element(i, field, "is required");
	reason = check(VARDATA_ANY(v->string), VARSIZE_ANY_EXHDR(v->string));
	if (reason != NULL)
		raise_element(i, field, reason);
}

int
import_service_users(const Caller *caller, Jsonb *users, Datum *ids_array)
{
	int			n;
	Datum	   *emails;
	Datum	   *names;
	Datum	   *hashes;
	PatchValue (*rows)[IMPORT_NKEYS];
	text	   *taken;
	/* By default no dearer than the current cost, which an unknown email's login pays. */
	int			max_m = us_import_max_hash_memory_kb > 0 ?
		us_import_max_hash_memory_kb : us_password_hash_memory_kb;
	int			max_t = us_import_max_hash_iterations > 0 ?
		us_import_max_hash_iterations : us_password_hash_iterations;

	us_caller_require_admin(caller);
	if (JB_ROOT_IS_SCALAR(users) || !JB_ROOT_IS_ARRAY(users))
		us_raise_invalid_field("users", "must be a JSON array");
	n = JB_ROOT_COUNT(users);
	if (n > US_IMPORT_MAX_USERS)
		us_raise_invalid_field("users", "must hold at most 10000 elements");

	emails = palloc(sizeof(Datum) * Max(n, 1));
	names = palloc(sizeof(Datum) * Max(n, 1));
	hashes = palloc(sizeof(Datum) * Max(n, 1));
	rows = palloc(sizeof(*rows) * Max(n, 1));

	/* Everything is checked before anything is hashed or written. */
	for (int i = 0; i < n; i++)
	{
		JsonbValue *elem = getIthJsonbValueFromContainer(&users->root, i);
		PatchValue *v = rows[i];

		if (elem->type != jbvBinary || !JsonContainerIsObject(elem->val.binary.data))
			us_raise(US_ERR_INVALID, "invalid users",
					 "Element users[%d] must be a JSON object.", i);
		us_patch_read_element(elem->val.binary.data, "users", i,
							  import_fields, IMPORT_NKEYS, v);
		if (v[IMPORT_EMAIL].present)
			v[IMPORT_EMAIL].string = user_service_normalize_email(v[IMPORT_EMAIL].string);
		check_element_field(i, "email", &v[IMPORT_EMAIL], us_check_email);
		check_element_field(i, "display_name", &v[IMPORT_DISPLAY_NAME], us_check_display_name);
		if (v[IMPORT_PASSWORD].present == v[IMPORT_PASSWORD_HASH].present)
			raise_element(i, "password", "or \"password_hash\" is required, and not both");
		if (v[IMPORT_PASSWORD].present)
			check_element_field(i, "password", &v[IMPORT_PASSWORD], us_check_password);
		else
		{
			text	   *h = v[IMPORT_PASSWORD_HASH].string;

			if (!us_password_is_phc(text_to_cstring(h), VARSIZE_ANY_EXHDR(h),
									(unsigned long) max_t, (unsigned long) max_m))
			{
				char		reason[160];

				snprintf(reason, sizeof(reason),
						 "must be an argon2id PHC string with p=1, m at most %d and t at most %d",
						 max_m, max_t);
				raise_element(i, "password_hash", reason);
			}
		}
		emails[i] = PointerGetDatum(v[IMPORT_EMAIL].string);
		names[i] = PointerGetDatum(v[IMPORT_DISPLAY_NAME].string);
	}

	if (n == 0)
	{
		*ids_array = PointerGetDatum(construct_empty_array(INT8OID));
		return 0;
	}

	taken = user_store_first_duplicate_email(emails, n);
	if (taken != NULL)
		us_raise(US_ERR_DUPLICATE, "email already registered",
				 "Email \"%s\" is registered already or appears twice in users.",
				 text_to_cstring(taken));

	for (int i = 0; i < n; i++)
	{
		/* Up to 10,000 hashes: a cancel or statement_timeout stops between them. */
		CHECK_FOR_INTERRUPTS();
		if (rows[i][IMPORT_PASSWORD].present)
		{
			char		hash[US_HASH_MAX_LEN];

			us_hash_password(rows[i][IMPORT_PASSWORD].string, "password", hash);
			hashes[i] = CStringGetTextDatum(hash);
			explicit_bzero(hash, sizeof(hash));
		}
		else
			hashes[i] = PointerGetDatum(rows[i][IMPORT_PASSWORD_HASH].string);
	}

	if (user_store_insert_many(emails, hashes, names, n, ids_array) != n)
		us_raise(US_ERR_DUPLICATE, "email already registered",
				 "Another session registered one of the emails in users meanwhile.");
	return n;
}
