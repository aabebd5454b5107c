/*
 * errors.h: the domain errors of userservice and the SQLSTATE each one is.
 *
 * This is the only place that picks an errcode for a domain error; PostgREST
 * turns the SQLSTATE into the HTTP status, so this table is also the HTTP API.
 */
#ifndef USERSERVICE_ERRORS_H
#define USERSERVICE_ERRORS_H

typedef enum UsError
{
	US_ERR_NOT_FOUND,			/* PT404 -> 404 */
	US_ERR_DUPLICATE,			/* 23505 -> 409 */
	US_ERR_STALE_WRITE,			/* PT409 -> 409 */
	US_ERR_INVALID,				/* 22023 -> 400 */
	US_ERR_BAD_CREDENTIALS,		/* 28P01 -> 403 */
	US_ERR_BAD_TOKEN,			/* 28000 -> 403 */
	US_ERR_NOT_ALLOWED,			/* 42501 -> 401/403 */
	US_ERR_TOO_MANY_ATTEMPTS,	/* PT429 -> 429 */
	US_ERR_UNAVAILABLE,			/* PT503 -> 503: cannot count an attempt, refused */
	US_ERR_READ_ONLY			/* 25006 -> 405: a password function in a read-only transaction */
} UsError;

/* The SQLSTATE of a domain error, as an errcode() argument. */
extern int	us_error_sqlstate(UsError kind);

/*
 * Raise a domain error: message is the short lowercase primary message,
 * detail_fmt a full sentence naming the field or id concerned. A macro, so
 * that the error reports the file and line that raised it.
 */
#define us_raise(kind, message, ...) \
	us_raise_at(__FILE__, __LINE__, PG_FUNCNAME_MACRO, (kind), (message), __VA_ARGS__)

extern void us_raise_at(const char *file, int line, const char *func, UsError kind,
						const char *message, const char *detail_fmt,...)
			pg_attribute_printf(6, 7) pg_attribute_noreturn();

/*
 * 22023 for one field: message "invalid <field>", detail
 * "Field "<field>" <reason>." where reason comes from validate.h.
 */
#define us_raise_invalid_field(field, reason) \
	us_raise_invalid_field_at(__FILE__, __LINE__, PG_FUNCNAME_MACRO, (field), (reason))

extern void us_raise_invalid_field_at(const char *file, int line, const char *func,
									  const char *field, const char *reason)
			pg_attribute_noreturn();

#endif
