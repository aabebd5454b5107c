/*
 * hashbench.c: the hashing limit. Times argon2id verification (what login
 * does) of one PHC string on one thread, with the same libsodium the
 * extension links. Build: cc -O2 -o hashbench hashbench.c -lsodium
 * Usage: hashbench '<phc string>' '<password>' [min seconds, default 3]
 * Prints: <iterations> <median ms per verify> <min ms>
 * (the median rather than the mean: a busy machine only adds outliers).
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int
cmp(const void *a, const void *b)
{
	double		x = *(const double *) a, y = *(const double *) b;

	return (x > y) - (x < y);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	double		min_s = argc > 3 ? atof(argv[3]) : 3.0;
	double		start, t0;
	double		times[10000];
	int			n = 0;

	if (argc < 3 || sodium_init() < 0)
	{
		fprintf(stderr, "usage: hashbench PHC PASSWORD [SECONDS]\n");
		return 2;
	}
	/* one untimed verify: first-touch of the memory, lazy init */
	if (crypto_pwhash_str_verify(argv[1], argv[2], strlen(argv[2])) != 0)
	{
		fprintf(stderr, "hashbench: the password does not match the hash\n");
		return 1;
	}
	start = now_s();
	do
	{
		t0 = now_s();
		if (crypto_pwhash_str_verify(argv[1], argv[2], strlen(argv[2])) != 0)
			return 1;
		times[n++] = now_s() - t0;
	} while ((now_s() - start < min_s || n < 5) && n < 10000);
	qsort(times, n, sizeof(double), cmp);
	printf("%d %.3f %.3f\n", n, times[n / 2] * 1000.0, times[0] * 1000.0);
	return 0;
}
