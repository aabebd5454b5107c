/*
 * claims.c: token JSON, parsed with the server's JSON lexer in its
 * non-throwing mode, then converted to jsonb once nothing can fail.
 */
#include "postgres.h"

#include "common/jsonapi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"

#include "claims.h"

/* Deepest nesting accepted; claims are flat, this only stops abuse. */
#define JSON_MAX_DEPTH 16

/* jsonb's numeric refuses exponents beyond 1000; stay well inside. */
#define JSON_MAX_NUMBER_LEN 64

typedef struct NumberCheck
{
	bool		bad;
} NumberCheck;

/* Refuse number tokens numeric_in could reject. */
static void
check_scalar(void *state, char *token, JsonTokenType type)
{
	NumberCheck *check = (NumberCheck *) state;

	if (type == JSON_TOKEN_NUMBER)
	{
		const char *e = strpbrk(token, "eE");
		size_t		exp_digits = 0;

		if (strlen(token) > JSON_MAX_NUMBER_LEN)
			check->bad = true;
		if (e != NULL)
		{
			e++;
			if (*e == '+' || *e == '-')
				e++;
			exp_digits = strlen(e);
			if (exp_digits > 3)
				check->bad = true;
		}
	}
}

/* Nesting depth of JSON text, counting brackets outside strings. */
static bool
depth_ok(const char *s, size_t len)
{
	int			depth = 0;
	bool		in_string = false;

	for (size_t i = 0; i < len; i++)
	{
		char		c = s[i];

		if (in_string)
		{
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = false;
		}
		else if (c == '"')
			in_string = true;
		else if (c == '{' || c == '[')
		{
			if (++depth > JSON_MAX_DEPTH)
				return false;
		}
		else if (c == '}' || c == ']')
			depth--;
	}
	return true;
}

Jsonb *
us_json_object_parse(const char *s, size_t len)
{
	char	   *copy;
	JsonLexContext *lex;
	JsonSemAction sem = {0};
	NumberCheck check = {false};
	Jsonb	   *jb;

	if (len == 0 || len > US_JSON_MAX_BYTES ||
		!pg_verify_mbstr(PG_UTF8, s, (int) len, true) ||
		!depth_ok(s, len))
		return NULL;

	copy = pnstrdup(s, len);
	/* need_escapes: the lexer then reports \u0000 and bad surrogates too. */
	lex = makeJsonLexContextCstringLen(copy, (int) len, PG_UTF8, true);
	sem.semstate = &check;
	sem.scalar = check_scalar;
	if (pg_parse_json(lex, &sem) != JSON_SUCCESS || check.bad)
	{
		pfree(copy);
		return NULL;
	}

	jb = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(copy)));
	pfree(copy);
	if (!JB_ROOT_IS_OBJECT(jb) || JB_ROOT_IS_SCALAR(jb))
		return NULL;
	return jb;
}

JsonbValue *
us_claim(Jsonb *jb, const char *key)
{
	return getKeyJsonValueFromContainer(&jb->root, key, strlen(key), NULL);
}

char *
us_claim_string(Jsonb *jb, const char *key)
{
	JsonbValue *v = us_claim(jb, key);

	if (v == NULL || v->type != jbvString)
		return NULL;
	return pnstrdup(v->val.string.val, v->val.string.len);
}

static bool
string_is(const JsonbValue *v, const char *value)
{
	return v->type == jbvString && v->val.string.len == (int) strlen(value) &&
		memcmp(v->val.string.val, value, v->val.string.len) == 0;
}

bool
us_claim_has_string(Jsonb *jb, const char *key, const char *value)
{
	JsonbValue *v = us_claim(jb, key);

	if (v == NULL)
		return false;
	if (v->type == jbvBinary && JsonContainerIsArray(v->val.binary.data))
	{
		uint32		n = JsonContainerSize(v->val.binary.data);

		for (uint32 i = 0; i < n; i++)
		{
			JsonbValue *elem = getIthJsonbValueFromContainer(v->val.binary.data, i);

			if (elem != NULL && string_is(elem, value))
				return true;
		}
		return false;
	}
	return string_is(v, value);
}

char *
us_claims_build(int64 user_id, const char *role, int64 iat, int64 exp,
				int32 token_version, const char *audience)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"sub\":\"" INT64_FORMAT "\",\"role\":", user_id);
	escape_json(&buf, role);
	appendStringInfo(&buf, ",\"iat\":" INT64_FORMAT ",\"exp\":" INT64_FORMAT ",\"tv\":%d",
					 iat, exp, token_version);
	if (audience != NULL && audience[0] != '\0')
	{
		appendStringInfoString(&buf, ",\"aud\":");
		escape_json(&buf, audience);
	}
	appendStringInfoChar(&buf, '}');
	return buf.data;
}
