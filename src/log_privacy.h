/*
 * log_privacy.h: no password or secret in the server log.
 *
 * The functions that take a password or a secret run between
 * us_hide_statement_begin and us_hide_statement_end: every error, warning
 * and notice raised meanwhile is errhidestmt (no STATEMENT line with the
 * text). A log hook, installed when the module loads, also keeps only the
 * duration or the kind of the lines that log_min_duration_statement and
 * log_statement write with a statement's text or its bound parameters, for
 * statements that call one of those functions.
 */
#ifndef USERSERVICE_LOG_PRIVACY_H
#define USERSERVICE_LOG_PRIVACY_H

#include "postgres.h"

typedef struct HideStatement
{
	ErrorContextCallback callback;
} HideStatement;

/* Install the log hook (from _PG_init). */
extern void us_log_privacy_init(void);

extern void us_hide_statement_begin(HideStatement *h);

/* Before returning normally; an error unwinds the callback by itself. */
extern void us_hide_statement_end(HideStatement *h);

#endif
