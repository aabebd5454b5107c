/*
 * fuzz_validate.c: libFuzzer harness for src/validate.c, linked without a
 * server.
 *
 * The input is copied into a heap buffer of exactly its size (no NUL), so
 * AddressSanitizer reports any read past the end. Each check is compared
 * with a reference written here from docs/contract.md's input rules, independently
 * of validate.c: a different UTF-8 decoder (Unicode's table of well-formed
 * byte sequences) and plain rules over code points. Any disagreement about
 * accepting or refusing a value aborts with both answers.
 *
 * The Unicode rules are ICU's, so the reference asks ICU too, by other
 * roads than unicode_rules.c: the character classes are UnicodeSets built
 * from property patterns (and checked against us_uc_is_space and
 * us_uc_is_invisible for every code point once, at start), the normal
 * forms are compared after a full normalization of UTF-16 built here, and
 * the look-alike check is a spoof checker of its own over UTF-16 parts
 * split here. What it tests is the plumbing: which parts, in which form,
 * with which answer, not ICU. us_normalize_nfc is compared with the same
 * normalization, and normalize-then-check (what the service does) with the
 * reference on the normalized text.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uset.h>
#include <unicode/unorm2.h>
#include <unicode/uspoof.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

#include "unicode_rules.h"
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

/* ---- reference: the Unicode classes, as ICU UnicodeSets ------------- */

static USet *ref_space_set;		/* White_Space, and U+2800 BRAILLE PATTERN BLANK */
static USet *ref_invisible_set;
static const UNormalizer2 *ref_nfc;
static const UNormalizer2 *ref_nfkc;
static USpoofChecker *ref_spoof;

static USet *
ref_set(const char *pattern)
{
	UChar		upat[200];
	UErrorCode	status = U_ZERO_ERROR;
	USet	   *set;

	u_uastrcpy(upat, pattern);
	set = uset_openPattern(upat, -1, &status);
	if (U_FAILURE(status))
	{
		fprintf(stderr, "uset_openPattern(%s): %s\n", pattern, u_errorName(status));
		abort();
	}
	uset_freeze(set);
	return set;
}

static bool
ref_space(int32_t c)
{
	return uset_contains(ref_space_set, c);
}

/* The README's rule: Default_Ignorable, Bidi_Control, Cf, Co, Cn. */
static bool
ref_invisible(int32_t c)
{
	return uset_contains(ref_invisible_set, c);
}

/* UTF-16 of cps[from..to), in a malloc'd buffer; *n16 its length. */
static UChar *
ref_utf16(const int32_t *cp, long from, long to, int32_t *n16)
{
	UChar	   *u = malloc(sizeof(UChar) * (2 * (to - from) + 1));
	int32_t		k = 0;

	for (long i = from; i < to; i++)
		U16_APPEND_UNSAFE(u, k, cp[i]);
	*n16 = k;
	return u;
}

/* The normalization of u into a malloc'd buffer, *n its length. */
static UChar *
ref_normalize(const UNormalizer2 *form, const UChar *u, int32_t n16, int32_t *n)
{
	UErrorCode	status = U_ZERO_ERROR;
	int32_t		cap = 18 * n16 + 1;	/* NFKC's largest expansion (UAX #15) */
	UChar	   *out = malloc(sizeof(UChar) * cap);

	*n = unorm2_normalize(form, u, n16, out, cap, &status);
	if (U_FAILURE(status))
	{
		fprintf(stderr, "unorm2_normalize: %s\n", u_errorName(status));
		abort();
	}
	return out;
}

/* Whether normalizing cps[0..n) changes nothing. */
static bool
ref_is_normalized(const UNormalizer2 *form, const int32_t *cp, long n)
{
	int32_t		n16,
				nn;
	UChar	   *u = ref_utf16(cp, 0, n, &n16);
	UChar	   *norm = ref_normalize(form, u, n16, &nn);
	bool		same = nn == n16 && memcmp(u, norm, sizeof(UChar) * n16) == 0;

	free(norm);
	free(u);
	return same;
}

/* The spoof checker passes cps[from..to). */
static bool
ref_no_lookalike(const int32_t *cp, long from, long to)
{
	UErrorCode	status = U_ZERO_ERROR;
	int32_t		n16;
	UChar	   *u = ref_utf16(cp, from, to, &n16);
	int32_t		found = uspoof_check(ref_spoof, u, n16, NULL, &status);

	free(u);
	if (U_FAILURE(status))
	{
		fprintf(stderr, "uspoof_check: %s\n", u_errorName(status));
		abort();
	}
	return found == 0;
}

/*
 * email: docs/contract.md, plus the domain and look-alike rules the README
 * documents. Beyond ASCII: NFC (the service normalizes first), NFKC, and
 * the spoof checker on the local part and on each domain label.
 */
static bool
ref_email_ok(const int32_t *cp, long n)
{
	long		at = -1;
	long		dots = 0;
	bool		ascii = true;
	long		label;

	if (n < 1 || n > 254)
		return false;
	for (long i = 0; i < n; i++)
	{
		if (ref_control(cp[i]) || cp[i] == ' ')
			return false;
		if (cp[i] >= 0x80)
		{
			ascii = false;
			if (ref_space(cp[i]) || ref_invisible(cp[i]))
				return false;
		}
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
	if (dots == 0)
		return false;
	if (ascii)
		return true;

	if (!ref_is_normalized(ref_nfkc, cp, n))
		return false;			/* not NFKC (and perhaps not even NFC) */
	if (!ref_no_lookalike(cp, 0, at))
		return false;
	label = at + 1;
	for (long i = label; i <= n; i++)
	{
		if (i == n || cp[i] == '.')
		{
			if (!ref_no_lookalike(cp, label, i))
				return false;
			label = i + 1;
		}
	}
	return true;
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
		if (!ref_control(cp[i]) && cp[i] != ' ' &&
			(cp[i] < 0x80 || (!ref_space(cp[i]) && !ref_invisible(cp[i]))))
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
broken(const char *what, const uint8_t *data, size_t size)
{
	fprintf(stderr, "\nproperty broken: %s; input %zu bytes:", what, size);
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

/*
 * The reference's ICU objects; then the classes of unicode_rules.c against
 * the reference's sets, for every code point.
 */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	UErrorCode	status = U_ZERO_ERROR;

	(void) argc;
	(void) argv;
	ref_space_set = ref_set("[[:White_Space:]\\u2800]");
	ref_invisible_set = ref_set("[[:Default_Ignorable_Code_Point:][:Bidi_Control:]"
								"[:gc=Cf:][:gc=Co:][:gc=Cn:]]");
	ref_nfc = unorm2_getNFCInstance(&status);
	ref_nfkc = unorm2_getNFKCInstance(&status);
	ref_spoof = uspoof_open(&status);
	uspoof_setRestrictionLevel(ref_spoof, USPOOF_MODERATELY_RESTRICTIVE);
	uspoof_setChecks(ref_spoof, USPOOF_RESTRICTION_LEVEL | USPOOF_MIXED_NUMBERS |
					 USPOOF_INVISIBLE | USPOOF_HIDDEN_OVERLAY, &status);
	if (U_FAILURE(status))
	{
		fprintf(stderr, "reference ICU objects: %s\n", u_errorName(status));
		abort();
	}
	for (int32_t c = 0; c <= 0x10FFFF; c++)
	{
		if (us_uc_is_space(c) != ref_space(c) || us_uc_is_invisible(c) != ref_invisible(c))
		{
			fprintf(stderr, "U+%04X: unicode_rules.c says space %d invisible %d, the reference %d %d\n",
					(unsigned) c, us_uc_is_space(c), us_uc_is_invisible(c), ref_space(c), ref_invisible(c));
			abort();
		}
	}
	return 0;
}

/* UTF-8 of cps[0..n), in a malloc'd buffer; *len its length. */
static char *
ref_utf8(const int32_t *cp, long n, size_t *len)
{
	char	   *s = malloc(4 * n + 1);
	size_t		k = 0;

	for (long i = 0; i < n; i++)
	{
		int32_t		c = cp[i];

		if (c < 0x80)
			s[k++] = (char) c;
		else if (c < 0x800)
		{
			s[k++] = (char) (0xC0 | (c >> 6));
			s[k++] = (char) (0x80 | (c & 0x3F));
		}
		else if (c < 0x10000)
		{
			s[k++] = (char) (0xE0 | (c >> 12));
			s[k++] = (char) (0x80 | ((c >> 6) & 0x3F));
			s[k++] = (char) (0x80 | (c & 0x3F));
		}
		else
		{
			s[k++] = (char) (0xF0 | (c >> 18));
			s[k++] = (char) (0x80 | ((c >> 12) & 0x3F));
			s[k++] = (char) (0x80 | ((c >> 6) & 0x3F));
			s[k++] = (char) (0x80 | (c & 0x3F));
		}
	}
	*len = k;
	return s;
}

/*
 * us_normalize_nfc against the reference's NFC of the decoded input, then
 * us_check_email on its output (the service's order) against the reference
 * on the same code points.
 */
static void
check_normalize(const char *buf, const uint8_t *data, size_t size, const int32_t *cps, long n)
{
	char	   *out = NULL;
	size_t		out_len = 0;
	const char *impl = us_normalize_nfc(buf, size, malloc, free, &out, &out_len);
	int32_t		n16,
				nn;
	UChar	   *u;
	UChar	   *norm;
	int32_t    *ncps;
	long		nn_cps = 0;
	size_t		want_len;
	char	   *want;
	bool		ascii = true;

	check("us_normalize_nfc", impl, n >= 0, data, size);
	if (impl != NULL)
		return;

	u = ref_utf16(cps, 0, n, &n16);
	norm = ref_normalize(ref_nfc, u, n16, &nn);
	ncps = malloc(sizeof(int32_t) * (nn + 1));
	for (int32_t k = 0; k < nn;)
	{
		UChar32		c;

		U16_NEXT_UNSAFE(norm, k, c);
		ncps[nn_cps++] = c;
	}
	want = ref_utf8(ncps, nn_cps, &want_len);
	for (long i = 0; i < n; i++)
		ascii = ascii && cps[i] < 0x80;

	if (out_len != want_len || memcmp(out, want, want_len) != 0)
		broken("us_normalize_nfc: other bytes than NFC", data, size);
	/* "s itself when already NFC": exactly when nothing changed */
	if ((out == buf) != (want_len == size && memcmp(want, data, size) == 0))
		broken("us_normalize_nfc: s itself only when already NFC", data, size);
	if (ascii && out != buf)
		broken("us_normalize_nfc: ASCII copied", data, size);

	check("us_check_email after us_normalize_nfc", us_check_email(out, out_len),
		  ref_email_ok(ncps, nn_cps), data, size);

	if (out != buf)
	{
		char	   *again = NULL;
		size_t		again_len = 0;

		if (us_normalize_nfc(out, out_len, malloc, free, &again, &again_len) != NULL ||
			again != out)
			broken("us_normalize_nfc: not idempotent", data, size);
		free(out);
	}
	free(want);
	free(ncps);
	free(norm);
	free(u);
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
	check_normalize(buf, data, size, cps, n);
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
