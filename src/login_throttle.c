/*
 * login_throttle.c: the failed-login budgets (see login_throttle.h).
 */
#include "postgres.h"

#include <arpa/inet.h>

#include "access/xlog.h"
#include "catalog/namespace.h"
#include "miscadmin.h"
#include "nodes/value.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"

#include <sodium.h>

#include "claims.h"
#include "config.h"
#include "errors.h"
#include "failure_worker.h"
#include "login_throttle.h"
#include "throttle_store.h"

/* Expired rows each reservation deletes: more than it can add (three). */
#define CLEANUP_PER_ATTEMPT 8

static int	subjects_of(const unsigned char *key, const char *address, ThrottleSubject *s);
static ThrottleVerdict judge(const ThrottleJob *job, const ThrottleSubject *s, int n,
							 int pending, int32 *retry_after);

/* ICU's root collation: the letter-case folding of uq_users_email. */
static Oid
root_collation(void)
{
	static Oid	oid = InvalidOid;

	if (!OidIsValid(oid))
		oid = get_collation_oid(list_make2(makeString("pg_catalog"),
										   makeString("und-x-icu")), false);
	return oid;
}

/* BLAKE2b-128 of the email as uq_users_email folds it. */
static void
email_key(text *email, unsigned char out[US_EMAIL_KEY_BYTES])
{
	text	   *folded = DatumGetTextPP(DirectFunctionCall1Coll(lower, root_collation(),
																PointerGetDatum(email)));

	crypto_generichash(out, US_EMAIL_KEY_BYTES,
					   (const unsigned char *) VARDATA_ANY(folded),
					   VARSIZE_ANY_EXHDR(folded), NULL, 0);
}

/* Does the session's login role act as a web role by itself? */
static bool
session_is_web_role(void)
{
	Oid			session = GetSessionUserId();
	static const char *const web[] = {"userservice_anon", "userservice_user", "userservice_admin"};

	if (superuser_arg(session))
		return false;
	for (int i = 0; i < lengthof(web); i++)
	{
		Oid			role = get_role_oid(web[i], true);

		if (OidIsValid(role) && has_privs_of_role(session, role))
			return true;
	}
	return false;
}

/*
 * The address text of an IPv4 or IPv6 address given as text, as counted:
 * an IPv4 address as it is; an IPv4 address wrapped in IPv6 (mapped,
 * compatible, NAT64) as that IPv4 address; a global or unique-local IPv6
 * address by its /64, the block one host usually has; other IPv6 addresses
 * (loopback, link-local) whole. A port ("1.2.3.4:80", "[::1]:80") and a zone
 * ("fe80::1%eth0") are dropped. false when it is no address.
 */
static bool
address_key(char *text, char *out, size_t size)
{
	unsigned char bin[16];
	char		buf[INET6_ADDRSTRLEN];
	char	   *p;

	if (text[0] == '[')
	{
		/* [v6] or [v6]:port */
		text++;
		if ((p = strchr(text, ']')) == NULL)
			return false;
		*p = '\0';
	}
	else if ((p = strchr(text, ':')) != NULL && strchr(p + 1, ':') == NULL)
		*p = '\0';				/* v4:port */
	if ((p = strchr(text, '%')) != NULL)
		*p = '\0';

	if (inet_pton(AF_INET, text, bin) == 1)
		return inet_ntop(AF_INET, bin, out, size) != NULL;
	if (inet_pton(AF_INET6, text, bin) != 1)
		return false;

	{
		static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		static const unsigned char nat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
		static const unsigned char zero[12] = {0};
		bool		compatible = memcmp(bin, zero, 12) == 0 &&
			(bin[12] | bin[13] | bin[14]) != 0;	/* not :: or ::1 */

		if (memcmp(bin, mapped, 12) == 0 || memcmp(bin, nat64, 12) == 0 || compatible)
			return inet_ntop(AF_INET, bin + 12, out, size) != NULL;
	}
	if ((bin[0] & 0xE0) == 0x20 || (bin[0] & 0xFE) == 0xFC)
	{
		memset(bin + 8, 0, 8);
		if (inet_ntop(AF_INET6, bin, buf, sizeof(buf)) == NULL)
			return false;
		snprintf(out, size, "%s/64", buf);
		return true;
	}
	return inet_ntop(AF_INET6, bin, out, size) != NULL;
}

/*
 * The client address from the trusted header (userservice.login_address_header)
 * of request.headers: its last comma-separated element, the one the reverse
 * proxy in front of PostgREST added. Only an authenticator's session (whose
 * login role is no web role itself, as PostgREST's NOINHERIT authenticator)
 * is believed: a web role that logs in by itself could send any header.
 * "" when there is none or it is no address.
 */
static void
client_address(char *out, size_t size)
{
	const char *headers;
	Jsonb	   *jb;
	char	   *value;
	char	   *last;

	out[0] = '\0';
	if (us_login_address_header == NULL || us_login_address_header[0] == '\0')
		return;
	headers = GetConfigOption("request.headers", true, false);
	if (headers == NULL || headers[0] == '\0' || session_is_web_role())
		return;
	/* Headers that are no JSON object (or are oversized) name no address. */
	jb = us_json_object_parse(headers, strlen(headers), US_HEADERS_MAX_BYTES);
	if (jb == NULL)
		return;
	value = us_claim_string(jb, us_login_address_header);
	if (value == NULL)
		return;
	last = strrchr(value, ',');
	last = last == NULL ? value : last + 1;
	while (*last == ' ' || *last == '\t')
		last++;
	for (char *end = last + strlen(last); end > last && (end[-1] == ' ' || end[-1] == '\t');)
		*--end = '\0';
	if (strlen(last) >= 64 || !address_key(last, out, size))
		out[0] = '\0';
}

void
login_throttle_attempt(text *email, LoginAttempt *attempt)
{
	email_key(email, attempt->email_key);
	client_address(attempt->address, sizeof(attempt->address));
}

void
login_throttle_attempt_for_user(int64 user_id, LoginAttempt *attempt)
{
	/* Keyed apart from every email's digest: no login can spend or reset it. */
	static const unsigned char domain[] = "userservice change_password";
	char		id[32];

	snprintf(id, sizeof(id), INT64_FORMAT, user_id);
	crypto_generichash(attempt->email_key, US_EMAIL_KEY_BYTES,
					   (const unsigned char *) id, strlen(id), domain, sizeof(domain) - 1);
	client_address(attempt->address, sizeof(attempt->address));
}

static void
job_of(const LoginAttempt *attempt, ThrottleJob *job)
{
	memset(job, 0, sizeof(*job));
	job->database = MyDatabaseId;
	job->role = GetUserId();	/* the extension owner, inside SECURITY DEFINER */
	memcpy(job->email_key, attempt->email_key, sizeof(job->email_key));
	memcpy(job->address, attempt->address, sizeof(job->address));
	job->max_failures = us_login_max_failures;
	job->max_account_failures = us_login_max_account_failures;
	job->max_address_failures = us_login_max_address_failures;
	job->window_seconds = us_login_window;
}

void
login_throttle_reserve(const LoginAttempt *attempt)
{
	ThrottleJob job;

	/* A standby cannot count: unlimited guessing, so no login there at all. */
	if (RecoveryInProgress())
		us_raise(US_ERR_UNAVAILABLE, "login is unavailable on a standby",
				 "A standby cannot count failed logins; log in on the primary.");

	job_of(attempt, &job);

	/*
	 * A budget already spent is refused here, without a worker: refusals
	 * are not counted, so this needs no write, and a burst against a spent
	 * budget does not take the worker slots other logins need. Only the
	 * worker's locked count may allow an attempt.
	 */
	{
		ThrottleSubject s[US_THROTTLE_MAX_SUBJECTS];
		int			n = subjects_of(job.email_key, job.address, s);

		throttle_store_read(s, n, job.window_seconds);
		job.verdict = judge(&job, s, n, 1, &job.retry_after);
	}
	if (job.verdict != THROTTLE_LOCKED)
		us_run_throttle_worker(&job);
	switch (job.verdict)
	{
		case THROTTLE_ALLOWED:
			return;
		case THROTTLE_LOCKED:
			us_raise(US_ERR_TOO_MANY_ATTEMPTS, "too many failed logins",
					 "Logins to this email or from this address are refused for %d more seconds.",
					 Max(job.retry_after, 1));
			break;
		case THROTTLE_UNKNOWN:
			us_raise(US_ERR_UNAVAILABLE, "could not count the login attempt",
					 "No background worker slot came free, or the count could not be written within 1 second; the attempt was refused.");
			break;
	}
}

/* The subjects of an attempt, in the one order every writer uses. */
static int
subjects_of(const unsigned char *key, const char *address, ThrottleSubject *s)
{
	bytea	   *ek = palloc(VARHDRSZ + US_EMAIL_KEY_BYTES);
	bytea	   *none = palloc(VARHDRSZ);
	int			n = 0;

	SET_VARSIZE(ek, VARHDRSZ + US_EMAIL_KEY_BYTES);
	memcpy(VARDATA(ek), key, US_EMAIL_KEY_BYTES);
	SET_VARSIZE(none, VARHDRSZ);

	/* ('' , address) < (email, '') < (email, address), as the index sorts them. */
	if (address[0] != '\0')
	{
		s[n].email_key = none;
		s[n++].address = cstring_to_text(address);
	}
	s[n].email_key = ek;
	s[n++].address = cstring_to_text("");
	if (address[0] != '\0')
	{
		s[n].email_key = ek;
		s[n++].address = cstring_to_text(address);
	}
	return n;
}

/*
 * The verdict on subjects whose failures count pending attempts more than
 * they show (1 before this attempt was counted, 0 after): locked when any
 * budget would be exceeded; *retry_after is the longest wait among those.
 */
static ThrottleVerdict
judge(const ThrottleJob *job, const ThrottleSubject *s, int n, int pending,
	  int32 *retry_after)
{
	bool		known = job->address[0] != '\0';
	bool		trusted = known && s[n - 1].trusted;
	ThrottleVerdict verdict = THROTTLE_ALLOWED;

	for (int i = 0; i < n; i++)
	{
		bool		is_address = VARSIZE_ANY_EXHDR(s[i].email_key) == 0;
		bool		is_email = VARSIZE_ANY_EXHDR(s[i].address) == 0;
		int32		limit;

		if (is_address)
			limit = job->max_address_failures;
		else if (is_email && known)
		{
			if (trusted)
				continue;		/* its owner's address: other addresses cannot lock it out */
			limit = job->max_account_failures;
		}
		else
			limit = job->max_failures;

		if (s[i].failures + pending > limit)
		{
			verdict = THROTTLE_LOCKED;
			*retry_after = Max(*retry_after, s[i].window_left);
		}
	}
	return verdict;
}

ThrottleVerdict
login_throttle_reserve_in_worker(ThrottleJob *job)
{
	ThrottleSubject s[US_THROTTLE_MAX_SUBJECTS];
	int			n = subjects_of(job->email_key, job->address, s);

	throttle_store_cleanup(CLEANUP_PER_ATTEMPT);
	throttle_store_count(s, n, job->window_seconds);
	return judge(job, s, n, 0, &job->retry_after);
}

void
login_throttle_succeeded(const LoginAttempt *attempt)
{
	ThrottleJob job;

	/* No slot: the attempt stays counted as a failure, which fails closed. */
	job_of(attempt, &job);
	(void) us_run_give_back_worker(&job);
}

void
login_throttle_give_back_in_worker(const ThrottleJob *job)
{
	ThrottleSubject s[US_THROTTLE_MAX_SUBJECTS];
	int			n = subjects_of(job->email_key, job->address, s);

	throttle_store_give_back(s, n, US_TRUSTED_ADDRESS_DAYS);
}

static bytea *
email_key_bytea(text *email)
{
	bytea	   *ek = palloc(VARHDRSZ + US_EMAIL_KEY_BYTES);

	SET_VARSIZE(ek, VARHDRSZ + US_EMAIL_KEY_BYTES);
	email_key(email, (unsigned char *) VARDATA(ek));
	return ek;
}

void
login_throttle_clear(int64 user_id, text *email)
{
	LoginAttempt by_user;
	bytea	   *ek = palloc(VARHDRSZ + US_EMAIL_KEY_BYTES);

	throttle_store_clear(email_key_bytea(email));
	login_throttle_attempt_for_user(user_id, &by_user);
	SET_VARSIZE(ek, VARHDRSZ + US_EMAIL_KEY_BYTES);
	memcpy(VARDATA(ek), by_user.email_key, US_EMAIL_KEY_BYTES);
	throttle_store_clear(ek);
}

void
login_throttle_status(text *email, Tuplestorestate *into, TupleDesc desc)
{
	throttle_store_status(email_key_bytea(email), us_login_window, into, desc);
}
