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

static void
raise_bad_key(const char *key, int keylen, const char *fmt_tail)
{
	int			quoted = pg_mbcliplen(key, keylen, KEY_QUOTE_MAX);

	us_raise(US_ERR_INVALID, "invalid patch", "Key \"%.*s%s\" %s.",
			 quoted, key, quoted < keylen ? "..." : "", fmt_tail);
}

void
us_patch_read(Jsonb *patch, const PatchField *fields, int nfields,
			  PatchValue *values)
{
	JsonbIterator *it;
	JsonbValue	k;
	JsonbValue	v;
	JsonbIteratorToken tok;

	memset(values, 0, sizeof(PatchValue) * nfields);

	if (JB_ROOT_IS_SCALAR(patch) || !JB_ROOT_IS_OBJECT(patch))
		us_raise(US_ERR_INVALID, "invalid patch",
				 "The patch must be a JSON object, not %s.",
				 JB_ROOT_IS_SCALAR(patch) ? "a scalar" : "an array");

	it = JsonbIteratorInit(&patch->root);
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
			raise_bad_key(key, keylen, "is not a field that can be changed");

		if (v.type == jbvNull)
			raise_bad_key(key, keylen, "cannot be null");

		switch (fields[i].type)
		{
			case PATCH_STRING:
				if (v.type != jbvString)
					us_raise(US_ERR_INVALID, "invalid patch",
							 "Key \"%s\" must be a string, not %s.",
							 fields[i].key, json_type_name(&v));
				values[i].string = cstring_to_text_with_len(v.val.string.val,
															v.val.string.len);
				break;
			case PATCH_BOOLEAN:
				if (v.type != jbvBool)
					us_raise(US_ERR_INVALID, "invalid patch",
							 "Key \"%s\" must be a boolean, not %s.",
							 fields[i].key, json_type_name(&v));
				values[i].boolean = v.val.boolean;
				break;
		}
		values[i].present = true;
	}
}
