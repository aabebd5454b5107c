/*
 * validate_bench.c: is plain ASCII as fast as before ICU?
 *
 * Links the current src/validate.c with the one of BASE (the Makefile's
 * "bench" target reads it from git and renames its functions old_*). First
 * checks that both give the very same answer, reason for reason, on random
 * ASCII; then times us_check_email and us_check_display_name, old and new
 * in alternating batches of BATCH calls, and prints the median ns per call
 * over ROUNDS batches. A non-ASCII email is timed too, for the cost of ICU.
 */
#define _POSIX_C_SOURCE 199309L	/* clock_gettime under -std=c11 */

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "validate.h"

extern const char *old_us_check_email(const char *s, size_t len);
extern const char *old_us_check_display_name(const char *s, size_t len);
extern const char *old_us_check_text(const char *s, size_t len, long min_chars,
									 long max_chars, bool multiline);

#define BATCH 10000
#define ROUNDS 101				/* 1,010,000 calls each */
#define SAME_CASES 2000000

typedef const char *(*check_fn) (const char *s, size_t len);

static bool
same(const char *a, const char *b)
{
	return (a == NULL || b == NULL) ? a == b : strcmp(a, b) == 0;
}

/* Random ASCII, biased to what the rules look at. */
static size_t
random_ascii(char *buf, size_t cap)
{
	static const char pick[] = "aaaaabcdeXYZ09.....@@@ -+_\t\n\x7f\x01";
	size_t		n = rand() % 4 == 0 ? (size_t) (rand() % 300) : (size_t) (rand() % 40);

	if (n > cap)
		n = cap;
	for (size_t i = 0; i < n; i++)
		buf[i] = rand() % 50 == 0 ? (char) (rand() % 128) : pick[rand() % (sizeof(pick) - 1)];
	return n;
}

static int
check_same(void)
{
	char		buf[300];
	long		differ = 0;

	srand(1);
	for (long i = 0; i < SAME_CASES; i++)
	{
		size_t		n = random_ascii(buf, sizeof(buf));

		if (!same(us_check_email(buf, n), old_us_check_email(buf, n)) ||
			!same(us_check_display_name(buf, n), old_us_check_display_name(buf, n)) ||
			!same(us_check_text(buf, n, 1, 200, false), old_us_check_text(buf, n, 1, 200, false)) ||
			!same(us_check_text(buf, n, 0, 100000, true), old_us_check_text(buf, n, 0, 100000, true)))
		{
			if (differ++ < 5)
				printf("differ on %zu bytes: \"%.*s\"\n", n, (int) n, buf);
		}
	}
	printf("random ASCII, %d cases: %ld answers differ from before\n", SAME_CASES, differ);
	return differ == 0 ? 0 : 1;
}

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static const char *volatile sink;

static double
batch_ns(check_fn f, const char *s, size_t len)
{
	double		t0 = now_ns();

	for (int i = 0; i < BATCH; i++)
		sink = f(s, len);
	return (now_ns() - t0) / BATCH;
}

static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

static void
bench(const char *what, check_fn old_f, check_fn new_f, const char *s)
{
	double		old_t[ROUNDS],
				new_t[ROUNDS];
	size_t		len = strlen(s);

	for (int i = 0; i < 1000; i++)	/* warm up, and open ICU's data */
		sink = new_f(s, len), sink = old_f(s, len);
	for (int r = 0; r < ROUNDS; r++)
	{
		old_t[r] = batch_ns(old_f, s, len);
		new_t[r] = batch_ns(new_f, s, len);
	}
	qsort(old_t, ROUNDS, sizeof(double), cmp_double);
	qsort(new_t, ROUNDS, sizeof(double), cmp_double);
	printf("%-44s before %7.1f ns  after %7.1f ns  (median of %d x %d calls; after/before %.2f)\n",
		   what, old_t[ROUNDS / 2], new_t[ROUNDS / 2], ROUNDS, BATCH,
		   new_t[ROUNDS / 2] / old_t[ROUNDS / 2]);
}

int
main(void)
{
	char		long_email[300];
	int			status = check_same();

	memset(long_email, 'a', 64);
	long_email[64] = '@';
	memset(long_email + 65, 'd', 173);
	strcpy(long_email + 238, ".validation.test");

	bench("us_check_email, ann.lee+tag@example.com", old_us_check_email, us_check_email,
		  "ann.lee+tag@example.com");
	bench("us_check_email, 254 ASCII characters", old_us_check_email, us_check_email, long_email);
	bench("us_check_display_name, Ann Lee", old_us_check_display_name, us_check_display_name,
		  "Ann Lee");
	bench("us_check_email, \xc3\xa9mile@exemple.fr (ICU)", old_us_check_email, us_check_email,
		  "\xc3\xa9mile@exemple.fr");
	bench("us_check_email, \xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80@example.com (ICU)",
		  old_us_check_email, us_check_email,
		  "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80@example.com");
	return status;
}
