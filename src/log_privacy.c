/*
 * log_privacy.c: see log_privacy.h.
 */
#include "postgres.h"

#include "access/xact.h"
#include "tcop/tcopprot.h"
#include "utils/memutils.h"

#include "log_privacy.h"

/* The start of the statement that called a password-taking function. */
static TimestampTz hidden_statement = 0;
static emit_log_hook_type previous_log_hook = NULL;

/* Names of the functions whose arguments hold a password or a secret. */
static const char *const secret_taking[] = {
	"login", "create_user", "update_user", "change_password", "import_users",
	"create_signing_key", "verify_token"
};

/* Does the statement being run (the client's text) call one of them? */
static bool
calls_secret_taking(void)
{
	if (hidden_statement != 0 && hidden_statement == GetCurrentStatementStartTimestamp())
		return true;
	if (debug_query_string == NULL || strcasestr(debug_query_string, "userservice") == NULL)
		return false;
	for (int i = 0; i < lengthof(secret_taking); i++)
	{
		if (strcasestr(debug_query_string, secret_taking[i]) != NULL)
			return true;
	}
	return false;
}

/*
 * The lines that carry a statement's text or parameters: "duration: ... ms
 * statement|parse|bind|execute ...: <text>" (log_min_duration_statement)
 * and "statement: <text>" or "execute <name>: <text>" (log_statement),
 * with "parameters: ..." in the DETAIL. Keep the duration or the kind.
 */
static void
redact(ErrorData *edata)
{
	/*
	 * Any message of such a statement (a refusal by PostgreSQL's own
	 * privilege check, raised before the function runs, too) is logged
	 * without the statement's text.
	 */
	if (!edata->hide_stmt && calls_secret_taking())
		edata->hide_stmt = true;
	if (edata->elevel == LOG && edata->message != NULL &&
		(strncmp(edata->message, "duration: ", 10) == 0 ||
		 strncmp(edata->message, "statement: ", 11) == 0 ||
		 strncmp(edata->message, "execute ", 8) == 0) &&
		calls_secret_taking())
	{
		const char *cut = strncmp(edata->message, "duration: ", 10) == 0 ?
			strstr(edata->message, " ms") : strchr(edata->message, ':');
		int			keep = cut == NULL ? 0 : (int) (cut - edata->message) + (cut[0] == ' ' ? 3 : 1);

		edata->message = MemoryContextStrdup(ErrorContext,
											 psprintf("%.*s (text of a userservice password call not logged)",
													  keep, edata->message));
		edata->detail = NULL;
		edata->hide_stmt = true;
	}
	if (previous_log_hook != NULL)
		previous_log_hook(edata);
}

void
us_log_privacy_init(void)
{
	previous_log_hook = emit_log_hook;
	emit_log_hook = redact;
}

static void
hide_statement(void *arg)
{
	/* The CONTEXT may quote bound parameters (log_parameter_max_length_on_error). */
	errhidestmt(true);
	errhidecontext(true);
}

void
us_hide_statement_begin(HideStatement *h)
{
	hidden_statement = GetCurrentStatementStartTimestamp();
	h->callback.callback = hide_statement;
	h->callback.arg = NULL;
	h->callback.previous = error_context_stack;
	error_context_stack = &h->callback;
}

void
us_hide_statement_end(HideStatement *h)
{
	error_context_stack = h->callback.previous;
}
