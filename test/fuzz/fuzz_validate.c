/*
 * fuzz_validate.c: libFuzzer harness for src/validate.c, linked without a
 * server.
 *
 * The input is copied into a heap buffer of exactly its size (no NUL), so
 * AddressSanitizer reports any read past the end. Each check is compared
 * with a reference written here from SPEC.md's input rules, independently
 * of validate.c: a different UTF-8 decoder (Unicode's table of well-formed
 * byte sequences) and plain rules over code points. Any disagreement about
 * accepting or refusing a value aborts with both answers.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "validate.h"

/* ---- reference: UTF-8 by Unicode 15, table 3-7 ---------------------- */

/* Decode s into cps (room for len code points); -1 when not well-formed. */
static long
ref_decode(const unsigned char *s, size_t len, int32_t *cps)
{
	size_t		i = 0;
	long		n = 0;

	while (i < len)
	{
		unsigned char b0 = s[i];
		unsigned char lo = 0x80,
					hi = 0xBF;
		int			need;
		int32_t		cp;

		if (b0 <= 0x7F)
		{
			cps[n++] = b0;
			i++;
			continue;
		}
		if (b0 >= 0xC2 && b0 <= 0xDF)
		{
			need = 1;
			cp = b0 & 0x1F;
		}
		else if (b0 >= 0xE0 && b0 <= 0xEF)
		{
			need = 2;
			cp = b0 & 0x0F;
			if (b0 == 0xE0)
				lo = 0xA0;
			else if (b0 == 0xED)
				hi = 0x9F;		/* no surrogates */
		}
		else if (b0 >= 0xF0 && b0 <= 0xF4)
		{
			need = 3;
			cp = b0 & 0x07;
			if (b0 == 0xF0)
				lo = 0x90;
			else if (b0 == 0xF4)
				hi = 0x8F;		/* nothing above U+10FFFF */
		}
		else
			return -1;
		if (len - i < (size_t) need + 1)
			return -1;
		for (int k = 1; k <= need; k++)
		{
			unsigned char b = s[i + k];

			if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF))
				return -1;
			cp = (cp << 6) | (b & 0x3F);
		}
		cps[n++] = cp;
		i += need + 1;
	}
	return n;
}

static bool
ref_control(int32_t c)
{
	return c < 0x20 || (c >= 0x7F && c <= 0x9F);
}

/*
 * Spaces: Unicode's White_Space outside the controls, plus U+200B and
 * U+FEFF, which are not White_Space but which the implementation refuses
 * too (and which nobody wants in an email or a name).
 */
static bool
ref_space(int32_t c)
{
	return c == 0x20 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
		c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000 ||
		c == 0x200B || c == 0xFEFF;
}

/* Zero-width and direction-control characters (the README's look-alike rule). */
static bool
ref_invisible(int32_t c)
{
	return c == 0xAD || (c >= 0x200B && c <= 0x200F) || (c >= 0x202A && c <= 0x202E) ||
		(c >= 0x2060 && c <= 0x2064) || (c >= 0x2066 && c <= 0x206F) || c == 0xFEFF;
}

/* email: SPEC.md, plus the domain and look-alike rules the README documents. */
static bool
ref_email_ok(const int32_t *cp, long n)
{
	long		at = -1;
	long		dots = 0;

	if (n < 1 || n > 254)
		return false;
	for (long i = 0; i < n; i++)
	{
		if (ref_control(cp[i]) || ref_space(cp[i]) || ref_invisible(cp[i]))
			return false;
		if (cp[i] == '@')
		{
			if (at >= 0)
				return false;
			at = i;
		}
	}
	if (at < 1 || at > 64)
		return false;
	for (long i = at + 1; i < n; i++)
	{
		if (cp[i] == '.')
		{
			dots++;
			if (i == at + 1 || i == n - 1 || cp[i - 1] == '.')
				return false;
		}
	}
	return dots > 0;
}

static bool
ref_text_ok(const int32_t *cp, long n, long min, long max, bool multiline)
{
	bool		blank = true;

	if (n < min || n > max)
		return false;
	for (long i = 0; i < n; i++)
	{
		if (ref_control(cp[i]) && !(multiline && (cp[i] == '\t' || cp[i] == '\n' || cp[i] == '\r')))
			return false;
		if (!ref_control(cp[i]) && !ref_space(cp[i]) && !ref_invisible(cp[i]))
			blank = false;
	}
	return min == 0 || !blank;
}

/* ---- the harness ---------------------------------------------------- */

static void
disagree(const char *what, const char *impl, bool ref, const uint8_t *data, size_t size)
{
	fprintf(stderr, "\n%s: validate.c says %s, the reference says %s; input %zu bytes:",
			what, impl ? impl : "accept", ref ? "accept" : "refuse", size);
	for (size_t i = 0; i < size && i < 600; i++)
		fprintf(stderr, " %02x", data[i]);
	fprintf(stderr, "\n");
	abort();
}

static void
check(const char *what, const char *impl, bool ref, const uint8_t *data, size_t size)
{
	if ((impl == NULL) != ref)
		disagree(what, impl, ref, data, size);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *buf = malloc(size ? size : 1);
	int32_t    *cps = malloc(sizeof(int32_t) * (size ? size : 1));
	long		n;
	long		impl_n;
	static const struct
	{
		long		min,
					max;
	}			bounds[] = {{1, 100}, {1, 200}, {0, 100000}, {0, 0}, {1, 1}, {0, 3}};

	memcpy(buf, data, size);
	n = ref_decode(data, size, cps);

	impl_n = us_utf8_length(buf, size);
	if (impl_n != n)
	{
		fprintf(stderr, "us_utf8_length says %ld, the reference %ld\n", impl_n, n);
		disagree("us_utf8_length", impl_n < 0 ? "invalid" : NULL, n >= 0, data, size);
	}

	check("us_check_email", us_check_email(buf, size),
		  n >= 0 && ref_email_ok(cps, n), data, size);
	check("us_check_password", us_check_password(buf, size),
		  n >= 8 && n <= 128, data, size);
	check("us_check_display_name", us_check_display_name(buf, size),
		  n >= 0 && ref_text_ok(cps, n, 1, 100, false), data, size);
	check("us_check_role", us_check_role(buf, size),
		  (size == 4 && memcmp(data, "user", 4) == 0) ||
		  (size == 5 && memcmp(data, "admin", 5) == 0), data, size);
	for (size_t b = 0; b < sizeof(bounds) / sizeof(bounds[0]); b++)
	{
		for (int multiline = 0; multiline <= 1; multiline++)
			check("us_check_text", us_check_text(buf, size, bounds[b].min, bounds[b].max, multiline),
				  n >= 0 && ref_text_ok(cps, n, bounds[b].min, bounds[b].max, multiline),
				  data, size);
	}

	free(cps);
	free(buf);
	return 0;
}
