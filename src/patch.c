/*
 * patch.c: a jsonb object walked once, key by key, against the field list.
 */
#include "postgres.h"

#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "errors.h"
#include "patch.h"

/* Keys are client input: quote at most this many bytes of one. */
#define KEY_QUOTE_MAX 64

static const char *
json_type_name(const JsonbValue *v)
{
	switch (v->type)
	{
		case jbvNull:
			return "null";
		case jbvString:
			return "a string";
		case jbvNumeric:
			return "a number";
		case jbvBool:
			return "a boolean";
		case jbvBinary:
			return JsonContainerIsArray(v->val.binary.data) ? "an array" : "an object";
		default:
			return "a JSON value";
	}
}

/* Where a bad key was found: a patch, or element N of an array argument. */
typedef struct PatchPlace
{
	const char *name;			/* "patch", "users" */
	int			element;		/* -1 for a patch */
} PatchPlace;

static void
raise_bad_key(const PatchPlace *place, const char *key, int keylen,
			  const char *what)
{
	int			quoted = pg_mbcliplen(key, keylen, KEY_QUOTE_MAX);
	char		message[64];

	snprintf(message, sizeof(message), "invalid %s", place->name);
	if (place->element < 0)
		us_raise(US_ERR_INVALID, message, "Key \"%.*s%s\" %s.",
				 quoted, key, quoted < keylen ? "..." : "", what);
	us_raise(US_ERR_INVALID, message, "Key \"%.*s%s\" of %s[%d] %s.",
			 quoted, key, quoted < keylen ? "..." : "", place->name,
			 place->element, what);
}

static void
read_object(JsonbContainer *object, const PatchPlace *place,
			const PatchField *fields, int nfields, PatchValue *values)
{
	JsonbIterator *it;
	JsonbValue	k;
	JsonbValue	v;
	JsonbIteratorToken tok;
	char		what[64];

	memset(values, 0, sizeof(PatchValue) * nfields);

	it = JsonbIteratorInit(object);
	tok = JsonbIteratorNext(&it, &v, true);
	Assert(tok == WJB_BEGIN_OBJECT);

	while ((tok = JsonbIteratorNext(&it, &k, true)) == WJB_KEY)
	{
		const char *key = k.val.string.val;
		int			keylen = k.val.string.len;
		int			i;

		tok = JsonbIteratorNext(&it, &v, true);
		Assert(tok == WJB_VALUE);

		for (i = 0; i < nfields; i++)
		{
			if ((int) strlen(fields[i].key) == keylen &&
				memcmp(fields[i].key, key, keylen) == 0)
				break;
		}
		if (i == nfields)
			raise_bad_key(place, key, keylen, "is not a field that can be changed");
		if (v.type == jbvNull)
			raise_bad_key(place, key, keylen, "cannot be null");

		switch (fields[i].type)
		{
			case PATCH_STRING:
				if (v.type != jbvString)
				{
					snprintf(what, sizeof(what), "must be a string, not %s",
							 json_type_name(&v));
					raise_bad_key(place, key, keylen, what);
				}
				values[i].string = cstring_to_text_with_len(v.val.string.val,
															v.val.string.len);
				break;
			case PATCH_BOOLEAN:
				if (v.type != jbvBool)
				{
					snprintf(what, sizeof(what), "must be a boolean, not %s",
							 json_type_name(&v));
					raise_bad_key(place, key, keylen, what);
				}
				values[i].boolean = v.val.boolean;
				break;
		}
		values[i].present = true;
	}
}

void
us_patch_read(Jsonb *patch, const PatchField *fields, int nfields,
			  PatchValue *values)
{
	PatchPlace	place = {"patch", -1};

	if (JB_ROOT_IS_SCALAR(patch) || !JB_ROOT_IS_OBJECT(patch))
		us_raise(US_ERR_INVALID, "invalid patch",
				 "The patch must be a JSON object, not %s.",
				 JB_ROOT_IS_SCALAR(patch) ? "a scalar" : "an array");
	read_object(&patch->root, &place, fields, nfields, values);
}

void
us_patch_read_element(JsonbContainer *object, const char *name, int element,
					  const PatchField *fields, int nfields, PatchValue *values)
{
	PatchPlace	place = {name, element};

	read_object(object, &place, fields, nfields, values);
}

bool
us_text_equal(text *a, text *b)
{
	return VARSIZE_ANY_EXHDR(a) == VARSIZE_ANY_EXHDR(b) &&
		memcmp(VARDATA_ANY(a), VARDATA_ANY(b), VARSIZE_ANY_EXHDR(a)) == 0;
}
