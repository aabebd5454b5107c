/*
 * validate_test.c: unit tests of src/validate.c and src/unicode_rules.c,
 * linked without a server. One TAP line per case, the plan at the end;
 * exits 1 when a case fails.
 *
 * Strings are written as UTF-8 escapes where the character is invisible,
 * a look-alike, or decomposed, so that what is tested can be read here.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unicode_rules.h"
#include "validate.h"

static int	tests;
static int	failures;

static void
ok(bool cond, const char *name)
{
	tests++;
	if (!cond)
		failures++;
	printf("%sok %d - %s\n", cond ? "" : "not ", tests, name);
}

/* The reason equals want (NULL: accepted). */
static void
is_reason(const char *got, const char *want, const char *name)
{
	bool		same = (got == NULL || want == NULL) ? got == want : strcmp(got, want) == 0;

	ok(same, name);
	if (!same)
		printf("#   got:  %s\n#   want: %s\n", got ? got : "(accepted)",
			   want ? want : "(accepted)");
}

static const char *
email(const char *s)
{
	return us_check_email(s, strlen(s));
}

static const char *
name(const char *s)
{
	return us_check_display_name(s, strlen(s));
}

static const char *
title(const char *s)
{
	return us_check_text(s, strlen(s), 1, US_TITLE_MAX_CHARS, false);
}

static const char *
body(const char *s)
{
	return us_check_text(s, strlen(s), 0, US_BODY_MAX_CHARS, true);
}

/* n copies of s, then tail: a malloc'd string. */
static char *
repeat(const char *s, int n, const char *tail)
{
	size_t		sl = strlen(s);
	size_t		tl = strlen(tail);
	char	   *r = malloc(sl * n + tl + 1);

	for (int i = 0; i < n; i++)
		memcpy(r + sl * i, s, sl);
	memcpy(r + sl * n, tail, tl + 1);
	return r;
}

/*
 * us_normalize_nfc with malloc: a malloc'd copy of the result (so the
 * caller frees it either way), NULL with *reason set when it refuses.
 * *same says whether the result was s itself.
 */
static char *
nfc(const char *s, size_t len, size_t *out_len, bool *same, const char **reason)
{
	char	   *out;
	char	   *copy;

	*reason = us_normalize_nfc(s, len, malloc, free, &out, out_len);
	if (*reason)
		return NULL;
	*same = out == s;
	if (*same)
	{
		copy = malloc(*out_len + 1);
		memcpy(copy, out, *out_len);
		copy[*out_len] = '\0';
		return copy;
	}
	return out;
}

/* Normalize, then check: what the service does. */
static const char *
normalized_email(const char *s)
{
	size_t		n;
	bool		same;
	const char *reason;
	char	   *norm = nfc(s, strlen(s), &n, &same, &reason);

	if (norm == NULL)
		return reason;
	reason = us_check_email(norm, n);
	free(norm);
	return reason;
}

#define R_INVISIBLE "must not contain invisible or direction-control characters"
#define R_SPACES "must not contain spaces"
#define R_CONTROL "must not contain control characters"
#define R_COMPAT "must not contain compatibility characters (such as fullwidth letters)"
#define R_SCRIPTS "must not contain look-alike characters from mixed scripts"
#define R_DIGITS "must not mix digits from different scripts"
#define R_MARKS "must not contain repeated or hidden combining marks"
#define R_NOT_NFC "must be in Unicode normalization form C (NFC)"
#define R_BLANK "must not be blank"

static void
test_normalization(void)
{
	const char *nfc_emile = "\xc3\xa9mile@exemple.fr";	/* U+00E9 */
	const char *nfd_emile = "e\xcc\x81mile@exemple.fr";	/* e U+0301 */
	size_t		a_len,
				b_len;
	bool		a_same,
				b_same;
	const char *reason;
	char	   *a = nfc(nfc_emile, strlen(nfc_emile), &a_len, &a_same, &reason);
	char	   *b = nfc(nfd_emile, strlen(nfd_emile), &b_len, &b_same, &reason);

	ok(a && b && a_len == b_len && memcmp(a, b, a_len) == 0,
	   "NFC and NFD \xc3\xa9mile@ normalize to the same bytes");
	ok(a && a_same, "an NFC email is returned as is, nothing allocated");
	ok(b && !b_same && strcmp(b, nfc_emile) == 0, "the NFD one becomes the NFC one");
	free(a);
	free(b);

	a = nfc("ann@example.com", 15, &a_len, &a_same, &reason);
	ok(a && a_same && a_len == 15, "ASCII is returned as is");
	free(a);

	a = nfc("", 0, &a_len, &a_same, &reason);
	ok(a && a_same && a_len == 0, "the empty string normalizes to itself");
	free(a);

	a = nfc("a\xff" "b", 3, &a_len, &a_same, &reason);
	is_reason(a ? NULL : reason, "must be valid UTF-8", "invalid UTF-8 is refused by the normalizer");
	free(a);
	a = nfc("\xed\xa0\x80", 3, &a_len, &a_same, &reason);
	is_reason(a ? NULL : reason, "must be valid UTF-8", "a UTF-8 surrogate is refused by the normalizer");
	free(a);
	a = nfc("\xc3", 1, &a_len, &a_same, &reason);
	is_reason(a ? NULL : reason, "must be valid UTF-8", "a truncated sequence is refused by the normalizer");
	free(a);

	/* U+212B ANGSTROM SIGN is U+00C5 in NFC; U+0958 decomposes (exclusion) */
	a = nfc("\xe2\x84\xab", 3, &a_len, &a_same, &reason);
	ok(a && strcmp(a, "\xc3\x85") == 0, "U+212B normalizes to U+00C5 (shorter)");
	free(a);
	a = nfc("\xe0\xa5\x98", 3, &a_len, &a_same, &reason);
	ok(a && strcmp(a, "\xe0\xa4\x95\xe0\xa4\xbc") == 0, "U+0958 normalizes to U+0915 U+093C (longer)");
	free(a);

	/* Beyond the stack buffers: 100000 NFD e-acute, and the NFC ones */
	{
		char	   *long_nfd = repeat("e\xcc\x81", 100000, "");
		char	   *long_nfc = repeat("\xc3\xa9", 100000, "");

		a = nfc(long_nfd, strlen(long_nfd), &a_len, &a_same, &reason);
		ok(a && !a_same && a_len == strlen(long_nfc) && memcmp(a, long_nfc, a_len) == 0,
		   "100000 NFD characters normalize on the heap");
		free(a);
		a = nfc(long_nfc, strlen(long_nfc), &a_len, &a_same, &reason);
		ok(a && a_same, "100000 NFC characters are returned as is");
		free(a);
		free(long_nfd);
		free(long_nfc);
	}

	is_reason(normalized_email(nfd_emile), NULL, "NFD \xc3\xa9mile@ is accepted once normalized");
	is_reason(email(nfd_emile), R_NOT_NFC, "NFD \xc3\xa9mile@ is refused when not normalized first");
}

static void
test_email_lookalikes(void)
{
	static const struct
	{
		const char *s;
		const char *what;
	}			invisible[] = {
		{"ad\xcd\x8fmin@example.com", "U+034F COMBINING GRAPHEME JOINER"},
		{"ad\xd8\x9cmin@example.com", "U+061C ARABIC LETTER MARK"},
		{"ad\xe1\xa0\x8emin@example.com", "U+180E MONGOLIAN VOWEL SEPARATOR"},
		{"admin\xef\xb8\x8f@example.com", "U+FE0F VARIATION SELECTOR-16"},
		{"admin\xf3\xa0\x81\x81@example.com", "U+E0041 TAG LATIN CAPITAL LETTER A"},
		{"ad\xe2\x80\x8bmin@example.com", "U+200B ZERO WIDTH SPACE"},
		{"ad\xe2\x80\x8dmin@example.com", "U+200D ZERO WIDTH JOINER"},
		{"ad\xe2\x80\xaemin@example.com", "U+202E RIGHT-TO-LEFT OVERRIDE"},
		{"ad\xc2\xadmin@example.com", "U+00AD SOFT HYPHEN"},
		{"ad\xe2\x81\xa5min@example.com", "U+2065 (unassigned, the old list's gap)"},
		{"ad\xef\xbb\xbfmin@example.com", "U+FEFF ZERO WIDTH NO-BREAK SPACE"},
		{"ad\xe3\x85\xa4min@example.com", "U+3164 HANGUL FILLER"},
		{"ad\xee\x80\x80min@example.com", "U+E000 (private use)"},
		{"ad\xcd\xb8min@example.com", "U+0378 (unassigned)"},
		{"ad\xef\xbf\xbemin@example.com", "U+FFFE (noncharacter)"},
	};
	char		label[160];

	for (size_t i = 0; i < sizeof(invisible) / sizeof(invisible[0]); i++)
	{
		snprintf(label, sizeof(label), "email with %s is refused", invisible[i].what);
		is_reason(email(invisible[i].s), R_INVISIBLE, label);
	}

	is_reason(email("admin\xe2\xa0\x80@example.com"), R_SPACES, "email with U+2800 BRAILLE PATTERN BLANK is refused as a space");
	is_reason(email("ad\xc2\xa0min@example.com"), R_SPACES, "email with U+00A0 NO-BREAK SPACE is refused");
	is_reason(email("ad\xe3\x80\x80min@example.com"), R_SPACES, "email with U+3000 IDEOGRAPHIC SPACE is refused");
	is_reason(email("ad\xc2\x85min@example.com"), R_CONTROL, "email with U+0085 NEXT LINE is refused as a control");

	is_reason(normalized_email("\xef\xbd\x81\xef\xbd\x84\xef\xbd\x8d\xef\xbd\x89\xef\xbd\x8e@example.com"),
			  R_COMPAT, "fullwidth \xef\xbd\x81\xef\xbd\x84\xef\xbd\x8d\xef\xbd\x89\xef\xbd\x8e@ is refused");
	is_reason(normalized_email("admin@\xef\xbd\x85xample.com"), R_COMPAT, "a fullwidth letter in the domain is refused");
	is_reason(normalized_email("\xef\xbd\x81\xef\xbd\x84\xef\xbd\x8d\xef\xbd\x89\xef\xbd\x8e\xef\xbc\xa0"
							   "\xef\xbd\x85\xef\xbd\x98\xef\xbc\x8e\xef\xbd\x83\xef\xbd\x8f"),
			  R_COMPAT, "an all-fullwidth email (fullwidth @ and dot) is refused as such");
	is_reason(normalized_email("\xef\xac\x81le@example.com"), R_COMPAT, "the ligature U+FB01 fi is refused");
	is_reason(normalized_email("\xc2\xb5@example.com"), R_COMPAT, "U+00B5 MICRO SIGN is refused (NFKC: Greek mu)");

	is_reason(normalized_email("\xd0\xb0" "dmin@example.com"), R_SCRIPTS, "admin@ with a Cyrillic a is refused");
	is_reason(normalized_email("admin@ex\xd0\xb0mple.com"), R_SCRIPTS, "a Cyrillic a in a Latin domain label is refused");
	is_reason(normalized_email("ivan.\xd0\xb8\xd0\xb2\xd0\xb0\xd0\xbd@example.com"), R_SCRIPTS,
			  "a local part of Latin and Cyrillic words is refused");
	is_reason(normalized_email("\xce\xbf" "ne@example.com"), R_SCRIPTS, "a Greek omicron among Latin letters is refused");
	is_reason(normalized_email("\xd0\xb0\xd0\xb4\xd0\xbc\xd0\xb8\xd0\xbd@example.com"), NULL,
			  "an all-Cyrillic local part with a Latin domain is accepted");
	is_reason(normalized_email("admin@\xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80.com"), NULL,
			  "an all-Cyrillic domain label next to a Latin one is accepted");
	is_reason(normalized_email("user1\xd9\xa3@example.com"), R_DIGITS, "ASCII and Arabic-Indic digits together are refused");
	is_reason(normalized_email("i\xcc\x87" "admin@example.com"), R_MARKS, "i with U+0307 COMBINING DOT ABOVE is refused");
	is_reason(normalized_email("\xc3\xa9\xcc\x81mile@example.com"), R_MARKS, "an accent twice on one letter is refused");

	is_reason(normalized_email("\xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80@"
							   "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80.\xd1\x80\xd1\x84"),
			  NULL, "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80@\xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80.\xd1\x80\xd1\x84 is accepted");
	is_reason(normalized_email("\xe4\xbe\x8b\xe3\x81\x88@\xe4\xbe\x8b\xe3\x81\x88.jp"), NULL,
			  "\xe4\xbe\x8b\xe3\x81\x88@\xe4\xbe\x8b\xe3\x81\x88.jp is accepted");
	is_reason(normalized_email("\xc3\xa9mile@exemple.fr"), NULL, "\xc3\xa9mile@exemple.fr is accepted");
	is_reason(normalized_email("m\xc3\xbcller@b\xc3\xbc" "cher.de"), NULL, "m\xc3\xbcller@b\xc3\xbc" "cher.de is accepted");
	is_reason(normalized_email("\xe7\xae\xa1\xe7\x90\x86" "abc@example.jp"), NULL, "Han with Latin in one local part is accepted");
	is_reason(normalized_email("\xce\xb1\xce\xb2\xce\xb3@\xce\xb1\xce\xb2\xce\xb3.gr"), NULL, "all-Greek labels are accepted");

	/* The old limits, in characters, for non-ASCII emails */
	{
		char	   *s = repeat("\xc3\xa9", 64, "@");
		char	   *t;

		t = repeat("\xc3\xbc", 173, ".validation.test");
		s = realloc(s, strlen(s) + strlen(t) + 1);
		strcat(s, t);
		is_reason(normalized_email(s), NULL, "254 two-byte-heavy characters are accepted");
		free(t);
		free(s);
		s = repeat("\xc3\xa9", 64, "@");
		t = repeat("\xc3\xbc", 174, ".validation.test");
		s = realloc(s, strlen(s) + strlen(t) + 1);
		strcat(s, t);
		is_reason(normalized_email(s), "must be at most 254 characters", "255 two-byte-heavy characters are refused");
		free(t);
		free(s);
		s = repeat("\xc3\xb6", 64, "@validation.test");
		is_reason(normalized_email(s), NULL, "a local part of 64 two-byte characters is accepted");
		free(s);
		s = repeat("\xc3\xb6", 65, "@validation.test");
		is_reason(normalized_email(s), "must have a local part of at most 64 characters",
				  "a local part of 65 two-byte characters is refused");
		free(s);
		s = repeat("\xf0\x90\x8c\xb0", 64, "@example.com");	/* U+10330 GOTHIC LETTER AHSA */
		is_reason(normalized_email(s), NULL, "a local part of 64 four-byte characters is accepted");
		free(s);
	}
}

/* The ASCII rules, with the very reasons of before. */
static void
test_email_ascii(void)
{
	char	   *s;

	is_reason(email("ann.lee+tag@example.com"), NULL, "a plain ASCII email is accepted");
	is_reason(email("Ann@Example.COM"), NULL, "ASCII letter case is kept and accepted");
	is_reason(email("c@v.t"), NULL, "a one-character local part is accepted");
	is_reason(email(""), "must not be empty", "empty email");
	is_reason(email("a b@example.com"), R_SPACES, "a space");
	is_reason(email(" a@example.com"), R_SPACES, "a leading space");
	is_reason(email("a\t@example.com"), R_CONTROL, "a tab");
	is_reason(email("a\n@example.com"), R_CONTROL, "a line feed");
	is_reason(email("a\x7f@example.com"), R_CONTROL, "DEL");
	is_reason(us_check_email("a\0@example.com", 14), R_CONTROL, "NUL");
	is_reason(email("a\xff@example.com"), "must be valid UTF-8", "a byte that is not UTF-8");
	is_reason(email("a\xc0\x80@example.com"), "must be valid UTF-8", "an overlong NUL");
	is_reason(email("no-at-sign"), "must contain exactly one \"@\"", "no @");
	is_reason(email("a@b@example.com"), "must contain exactly one \"@\"", "two @");
	is_reason(email("@example.com"), "must have a local part before the \"@\"", "nothing before the @");
	is_reason(email("a@"), "must have a domain with at least one dot", "nothing after the @");
	is_reason(email("a@b"), "must have a domain with at least one dot", "a domain with no dot");
	is_reason(email("a@.example.com"), "must not have a domain that starts or ends with a dot", "a domain that starts with a dot");
	is_reason(email("a@example.com."), "must not have a domain that starts or ends with a dot", "a domain that ends with a dot");
	is_reason(email("a@example..com"), "must not have two dots in a row in its domain", "two dots in a row");
	is_reason(email("a..b@example.com"), NULL, "two dots in a row in the local part are not refused (as before)");

	s = repeat("b", 64, "@validation.test");
	is_reason(email(s), NULL, "a 64-character local part is accepted");
	free(s);
	s = repeat("b", 65, "@validation.test");
	is_reason(email(s), "must have a local part of at most 64 characters", "a 65-character local part is refused");
	free(s);
	{
		char	   *d = repeat("d", 173, ".validation.test");

		s = repeat("a", 64, "@");
		s = realloc(s, strlen(s) + strlen(d) + 1);
		strcat(s, d);
		ok(strlen(s) == 254, "(the long email has 254 characters)");
		is_reason(email(s), NULL, "a 254-character email is accepted");
		free(s);
		free(d);
		d = repeat("d", 174, ".validation.test");
		s = repeat("a", 64, "@");
		s = realloc(s, strlen(s) + strlen(d) + 1);
		strcat(s, d);
		is_reason(email(s), "must be at most 254 characters", "a 255-character email is refused");
		free(s);
		free(d);
	}
}

static void
test_names(void)
{
	char	   *s;

	is_reason(name("\xe3\x85\xa4"), R_BLANK, "a name of only U+3164 HANGUL FILLER is blank");
	is_reason(name("\xe3\x85\xa4\xe3\x85\xa4\xe3\x85\xa4"), R_BLANK, "a name of three U+3164 is blank");
	is_reason(name("\xe2\xa0\x80"), R_BLANK, "a name of only U+2800 BRAILLE PATTERN BLANK is blank");
	is_reason(name("\xe1\x85\x9f\xe1\x85\xa0"), R_BLANK, "a name of U+115F U+1160 (Hangul fillers) is blank");
	is_reason(name("\xef\xbe\xa0"), R_BLANK, "a name of only U+FFA0 HALFWIDTH HANGUL FILLER is blank");
	is_reason(name("\xcd\x8f\xef\xb8\x8f\xf3\xa0\x81\x81"), R_BLANK, "a name of U+034F U+FE0F U+E0041 is blank");
	is_reason(name("\xe2\xa0\x80 \xe3\x85\xa4\xc2\xa0\xe1\xa0\x8e"), R_BLANK, "a name of fillers and spaces is blank");
	is_reason(name("\xe3\x85\xa4" "A"), NULL, "U+3164 and a letter is a name");
	is_reason(name("\xe2\xa0\x80" "x"), NULL, "U+2800 and a letter is a name");
	is_reason(name("\xe1\x85\x9f\xe1\x85\xa0\xea\xb0\x80"), NULL, "U+115F U+1160 and a syllable is a name");
	is_reason(name("\xe2\xa0\x81"), NULL, "a Braille pattern with a dot is a name");
	is_reason(name("\xe2\x9d\xa4\xef\xb8\x8f"), NULL, "an emoji with its variation selector is a name");
	is_reason(name("A\xe2\x80\x8d" "B"), NULL, "an invisible character between letters is kept");

	is_reason(title("\xe3\x85\xa4\xe2\xa0\x80"), R_BLANK, "a title of fillers is blank");
	is_reason(title("\xe3\x85\xa4" "Title"), NULL, "a title with a filler and letters is accepted");
	is_reason(body("\xe3\x85\xa4\xe2\xa0\x80"), NULL, "a body of fillers is accepted (no blank rule)");

	/* The ASCII rules, with the very reasons of before */
	is_reason(name("Ann"), NULL, "an ASCII name");
	is_reason(name("Ann Lee"), NULL, "inner spaces");
	is_reason(name(""), "must not be empty", "an empty name");
	is_reason(name(" "), R_BLANK, "one space");
	is_reason(name("   "), R_BLANK, "spaces");
	is_reason(name("\t"), R_CONTROL, "a tab in a name");
	is_reason(name("a\x7f"), R_CONTROL, "DEL in a name");
	is_reason(us_check_display_name("a\0", 2), R_CONTROL, "NUL in a name");
	is_reason(name("\xc2\xa0\xc2\xa0"), R_BLANK, "no-break spaces");
	is_reason(name("\xe3\x80\x80"), R_BLANK, "an ideographic space");
	is_reason(name("\xe2\x80\x8b\xe2\x80\x8b"), R_BLANK, "zero-width spaces");
	is_reason(name("\xef\xbb\xbf \xe2\x81\xa0"), R_BLANK, "U+FEFF, a space, U+2060");
	is_reason(name("a\xc2\x85" "b"), R_CONTROL, "U+0085 in a name");
	is_reason(name("\xff"), "must be valid UTF-8", "a name that is not UTF-8");
	s = repeat("n", 100, "");
	is_reason(name(s), NULL, "100 characters");
	free(s);
	s = repeat("n", 101, "");
	is_reason(name(s), "must be at most 100 characters", "101 characters");
	free(s);
	s = repeat("\xe3\x85\xa4", 101, "");
	is_reason(name(s), "must be at most 100 characters", "101 fillers: too long before blank");
	free(s);
	is_reason(body("\t\n\r "), NULL, "a body of white space");
	is_reason(us_check_text("a\tb", 3, 1, 200, false), R_CONTROL, "a tab in a single-line text");
}

int
main(void)
{
	test_normalization();
	test_email_lookalikes();
	test_email_ascii();
	test_names();
	printf("1..%d\n", tests);
	if (failures)
		printf("# %d of %d failed\n", failures, tests);
	return failures ? 1 : 0;
}
