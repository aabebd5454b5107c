/*
 * claims.c: token JSON, parsed in one pass with the server's JSON lexer in
 * its non-throwing mode, building the jsonb as jsonb_in does, from tokens
 * checked first so that nothing in the building can fail.
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

/*
 * The state of the one pass over the text: jsonb_in's own construction
 * (pushJsonbValue per event), plus the checks that keep numeric_in from
 * throwing. Once a token is refused nothing more is pushed (the half-built
 * value is never converted) and the pass ends in a refusal.
 */
typedef struct ClaimsParse
{
	JsonbParseState *state;
	JsonbValue *result;
	bool		bad;
} ClaimsParse;

/* Refuse number tokens numeric_in could reject. */
static bool
number_ok(const char *token)
{
	const char *e = strpbrk(token, "eE");

	if (strlen(token) > JSON_MAX_NUMBER_LEN)
		return false;
	if (e != NULL)
	{
		e++;
		if (*e == '+' || *e == '-')
			e++;
		if (strlen(e) > 3)
			return false;
	}
	return true;
}

static void
parse_object_start(void *arg)
{
	ClaimsParse *p = (ClaimsParse *) arg;

	if (!p->bad)
		p->result = pushJsonbValue(&p->state, WJB_BEGIN_OBJECT, NULL);
}

static void
parse_object_end(void *arg)
{
	ClaimsParse *p = (ClaimsParse *) arg;

	if (!p->bad)
		p->result = pushJsonbValue(&p->state, WJB_END_OBJECT, NULL);
}

static void
parse_array_start(void *arg)
{
	ClaimsParse *p = (ClaimsParse *) arg;

	if (p->state == NULL)
		p->bad = true;			/* claims are an object, never an array */
	else if (!p->bad)
		p->result = pushJsonbValue(&p->state, WJB_BEGIN_ARRAY, NULL);
}

static void
parse_array_end(void *arg)
{
	ClaimsParse *p = (ClaimsParse *) arg;

	if (!p->bad)
		p->result = pushJsonbValue(&p->state, WJB_END_ARRAY, NULL);
}

static void
parse_field_start(void *arg, char *fname, bool isnull)
{
	ClaimsParse *p = (ClaimsParse *) arg;
	JsonbValue	v;

	if (p->bad)
		return;
	v.type = jbvString;
	v.val.string.len = (int) strlen(fname);
	v.val.string.val = fname;
	p->result = pushJsonbValue(&p->state, WJB_KEY, &v);
}

static void
parse_scalar(void *arg, char *token, JsonTokenType type)
{
	ClaimsParse *p = (ClaimsParse *) arg;
	JsonbValue	v;

	if (p->bad)
		return;
	if (p->state == NULL)
	{
		p->bad = true;			/* a bare scalar is no claims object */
		return;
	}
	switch (type)
	{
		case JSON_TOKEN_STRING:
			v.type = jbvString;
			v.val.string.len = (int) strlen(token);
			v.val.string.val = token;
			break;
		case JSON_TOKEN_NUMBER:
			if (!number_ok(token))
			{
				p->bad = true;
				return;
			}
			v.type = jbvNumeric;
			v.val.numeric = DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(token),
																ObjectIdGetDatum(InvalidOid),
																Int32GetDatum(-1)));
			break;
		case JSON_TOKEN_TRUE:
		case JSON_TOKEN_FALSE:
			v.type = jbvBool;
			v.val.boolean = (type == JSON_TOKEN_TRUE);
			break;
		default:
			v.type = jbvNull;
			break;
	}
	p->result = pushJsonbValue(&p->state,
							   p->state->contVal.type == jbvArray ? WJB_ELEM : WJB_VALUE, &v);
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
us_json_object_parse(const char *s, size_t len, size_t max_bytes)
{
	char	   *copy;
	JsonLexContext *lex;
	JsonSemAction sem = {0};
	ClaimsParse parse = {NULL, NULL, false};
	Jsonb	   *jb = NULL;

	if (len == 0 || len > max_bytes ||
		!pg_verify_mbstr(PG_UTF8, s, (int) len, true) ||
		!depth_ok(s, len))
		return NULL;

	copy = pnstrdup(s, len);
	/* need_escapes: the lexer then reports \u0000 and bad surrogates too. */
	lex = makeJsonLexContextCstringLen(copy, (int) len, PG_UTF8, true);
	sem.semstate = &parse;
	sem.object_start = parse_object_start;
	sem.object_end = parse_object_end;
	sem.array_start = parse_array_start;
	sem.array_end = parse_array_end;
	sem.object_field_start = parse_field_start;
	sem.scalar = parse_scalar;
	if (pg_parse_json(lex, &sem) == JSON_SUCCESS && !parse.bad &&
		parse.result != NULL && parse.result->type == jbvObject)
		jb = JsonbValueToJsonb(parse.result);
	pfree(copy);
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
