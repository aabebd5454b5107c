/*
 * errors.c: the domain error table.
 */
#include "postgres.h"

#include "lib/stringinfo.h"

#include "errors.h"

static const struct
{
	UsError		kind;
	int			sqlstate;
}			error_table[] =
{
	{US_ERR_NOT_FOUND, MAKE_SQLSTATE('P', 'T', '4', '0', '4')},
	{US_ERR_DUPLICATE, ERRCODE_UNIQUE_VIOLATION},
	{US_ERR_STALE_WRITE, MAKE_SQLSTATE('P', 'T', '4', '0', '9')},
	{US_ERR_INVALID, ERRCODE_INVALID_PARAMETER_VALUE},
	{US_ERR_BAD_CREDENTIALS, ERRCODE_INVALID_PASSWORD},
	{US_ERR_BAD_TOKEN, ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION},
	{US_ERR_NOT_ALLOWED, ERRCODE_INSUFFICIENT_PRIVILEGE},
	{US_ERR_TOO_MANY_ATTEMPTS, MAKE_SQLSTATE('P', 'T', '4', '2', '9')},
	{US_ERR_UNAVAILABLE, MAKE_SQLSTATE('P', 'T', '5', '0', '3')},
	{US_ERR_READ_ONLY, ERRCODE_READ_ONLY_SQL_TRANSACTION},
};

int
us_error_sqlstate(UsError kind)
{
	for (size_t i = 0; i < lengthof(error_table); i++)
	{
		if (error_table[i].kind == kind)
			return error_table[i].sqlstate;
	}
	elog(ERROR, "unknown userservice error kind %d", (int) kind);
	pg_unreachable();
}

/* ereport's two halves, with the caller's file, line and function. */
static void raise_at(const char *file, int line, const char *func, int sqlstate,
					 const char *message, const char *detail) pg_attribute_noreturn();

static void
raise_at(const char *file, int line, const char *func, int sqlstate,
		 const char *message, const char *detail)
{
	if (errstart(ERROR, NULL))
	{
		errcode(sqlstate);
		errmsg_internal("%s", message);
		errdetail_internal("%s", detail);
		errfinish(file, line, func);
	}
	pg_unreachable();
}

void
us_raise_at(const char *file, int line, const char *func, UsError kind,
			const char *message, const char *detail_fmt,...)
{
	StringInfoData detail;

	initStringInfo(&detail);
	for (;;)
	{
		va_list		args;
		int			needed;

		va_start(args, detail_fmt);
		needed = appendStringInfoVA(&detail, detail_fmt, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(&detail, needed);
	}
	raise_at(file, line, func, us_error_sqlstate(kind), message, detail.data);
}

void
us_raise_invalid_field_at(const char *file, int line, const char *func,
						  const char *field, const char *reason)
{
	raise_at(file, line, func, us_error_sqlstate(US_ERR_INVALID),
			 psprintf("invalid %s", field), psprintf("Field \"%s\" %s.", field, reason));
}
