/*
 * unicode_rules.c: the Unicode side of the input rules, over ICU.
 *
 * ICU instead of hand-written lists: the lists missed characters (U+034F,
 * U+061C, U+180E, U+FE0F, the tags) and go stale with each Unicode version,
 * while ICU is the library PostgreSQL itself links for its collations.
 * The ICU in use is that of the server (Unicode 15.0 in ICU 72).
 */
#include "unicode_rules.h"

#include <limits.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uspoof.h>
#include <unicode/ustring.h>

/*
 * Glyphs with no ink that no property covers. ICU 72 already calls U+115F,
 * U+1160, U+3164 and U+FFA0 (the Hangul fillers) Default_Ignorable, so they
 * are invisible; U+2800 is a symbol (So) with an empty cell for a glyph.
 */
static bool
is_inkless(int32_t cp)
{
	return cp == 0x2800;		/* BRAILLE PATTERN BLANK */
}

bool
us_uc_is_space(int32_t cp)
{
	if (cp < 0x80)
		return cp == ' ' || (cp >= '\t' && cp <= '\r');
	return u_isUWhiteSpace(cp) || is_inkless(cp);
}

/*
 * The rule: a code point is invisible when it is
 *   Default_Ignorable_Code_Point: renders as nothing (zero-width
 *     characters, joiners, variation selectors, CGJ, tags, Hangul fillers);
 *   Bidi_Control: reorders its neighbours (U+061C, U+200E, U+202A...);
 *   Cf, format: mostly the two above, plus the rest of the format
 *     controls (U+0600 and the other prepended concatenation marks, the
 *     Egyptian format controls), which have no place in an email;
 *   Co, private use: no agreed glyph, so nobody can tell what they see;
 *   Cn, unassigned (and the noncharacters): no glyph today, an unknown one
 *     in a later Unicode.
 * Bidi_Control is all Cf today; it is named because it is the reason.
 */
bool
us_uc_is_invisible(int32_t cp)
{
	int8_t		gc;

	if (cp < 0x80)
		return false;
	gc = u_charType(cp);
	return gc == U_FORMAT_CHAR || gc == U_PRIVATE_USE_CHAR || gc == U_UNASSIGNED ||
		u_hasBinaryProperty(cp, UCHAR_DEFAULT_IGNORABLE_CODE_POINT) ||
		u_hasBinaryProperty(cp, UCHAR_BIDI_CONTROL);
}

/* ---- NFC for storage ------------------------------------------------ */

/*
 * Inputs up to this many bytes are normalized in stack buffers; longer
 * ones (titles, bodies) in scratch space from the caller's allocator.
 */
#define STACK_UNITS 512

/* ICU counts in int32_t; NFC may triple a UTF-16 length (UAX #15). */
#define NFC_MAX_BYTES ((size_t) (INT32_MAX / 4))

const char *
us_normalize_nfc(const char *s, size_t len, us_alloc_fn alloc,
				 us_free_fn release, char **out, size_t *out_len)
{
	UErrorCode	status = U_ZERO_ERROR;
	const UNormalizer2 *nfc;
	UChar		src_stack[STACK_UNITS];
	UChar		dst_stack[3 * STACK_UNITS];
	UChar	   *src = src_stack;
	UChar	   *dst = dst_stack;
	int32_t		src_len;
	int32_t		dst_len;
	int32_t		dst_cap;
	int32_t		out_bytes;
	char	   *result;
	const char *reason = NULL;
	size_t		i;

	/* Fast path: ASCII is NFC. */
	for (i = 0; i < len; i++)
	{
		if ((unsigned char) s[i] >= 0x80)
			break;
	}
	if (i == len)
	{
		*out = (char *) s;
		*out_len = len;
		return NULL;
	}
	if (len > NFC_MAX_BYTES)
		return "is too long";

	nfc = unorm2_getNFCInstance(&status);
	if (U_FAILURE(status))
		return "could not be normalized";

	/* UTF-8 to UTF-16: never more units than bytes. */
	if (len > STACK_UNITS)
	{
		src = alloc(len * sizeof(UChar));
		if (src == NULL)
			return "could not be normalized (out of memory)";
	}
	u_strFromUTF8(src, (int32_t) len, &src_len, s, (int32_t) len, &status);
	if (status == U_INVALID_CHAR_FOUND || status == U_ILLEGAL_CHAR_FOUND ||
		status == U_TRUNCATED_CHAR_FOUND)
	{
		reason = "must be valid UTF-8";
		goto done;
	}
	if (U_FAILURE(status))
	{
		reason = "could not be normalized";
		goto done;
	}

	/* Most text is already NFC: then s is the answer, with no copy. */
	if (unorm2_spanQuickCheckYes(nfc, src, src_len, &status) == src_len &&
		U_SUCCESS(status))
	{
		*out = (char *) s;
		*out_len = len;
		goto done;
	}
	status = U_ZERO_ERROR;

	/*
	 * Three times the units always suffice for NFC; should a later Unicode
	 * say otherwise, ICU reports the length it needs and we try again.
	 */
	dst_cap = 3 * src_len;
	if (dst_cap > 3 * STACK_UNITS)
	{
		dst = alloc((size_t) dst_cap * sizeof(UChar));
		if (dst == NULL)
		{
			reason = "could not be normalized (out of memory)";
			goto done;
		}
	}
	dst_len = unorm2_normalize(nfc, src, src_len, dst, dst_cap, &status);
	if (status == U_BUFFER_OVERFLOW_ERROR)
	{
		if (dst != dst_stack)
			release(dst);
		dst = NULL;
		dst_cap = dst_len;
		dst = alloc((size_t) dst_cap * sizeof(UChar));
		if (dst == NULL)
		{
			reason = "could not be normalized (out of memory)";
			goto done;
		}
		status = U_ZERO_ERROR;
		dst_len = unorm2_normalize(nfc, src, src_len, dst, dst_cap, &status);
	}
	if (U_FAILURE(status))
	{
		reason = "could not be normalized";
		goto done;
	}
	if (dst_len == src_len && memcmp(dst, src, src_len * sizeof(UChar)) == 0)
	{
		/* the quick check said "maybe", and it was */
		*out = (char *) s;
		*out_len = len;
		goto done;
	}

	/* Back to UTF-8: ask for the length, then convert. */
	u_strToUTF8(NULL, 0, &out_bytes, dst, dst_len, &status);
	if (status != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(status))
	{
		reason = "could not be normalized";
		goto done;
	}
	status = U_ZERO_ERROR;
	result = alloc((size_t) out_bytes + 1);
	if (result == NULL)
	{
		reason = "could not be normalized (out of memory)";
		goto done;
	}
	u_strToUTF8(result, out_bytes + 1, NULL, dst, dst_len, &status);
	if (U_FAILURE(status))
	{
		release(result);
		reason = "could not be normalized";
		goto done;
	}
	*out = result;
	*out_len = (size_t) out_bytes;

done:
	if (dst != dst_stack && dst != NULL)
		release(dst);
	if (src != src_stack)
		release(src);
	return reason;
}

/* ---- the look-alike checks of an email ------------------------------- */

UsUcForm
us_uc_normal_forms(const char *s, size_t len)
{
	UErrorCode	status = U_ZERO_ERROR;
	const UNormalizer2 *nfc = unorm2_getNFCInstance(&status);
	const UNormalizer2 *nfkc = unorm2_getNFKCInstance(&status);
	UChar		buf[US_UC_SHORT_MAX_BYTES];
	int32_t		n;

	if (U_FAILURE(status) || len > US_UC_SHORT_MAX_BYTES)
		return US_UC_FORM_ERROR;
	u_strFromUTF8(buf, US_UC_SHORT_MAX_BYTES, &n, s, (int32_t) len, &status);
	if (U_FAILURE(status))
		return US_UC_FORM_ERROR;
	if (!unorm2_isNormalized(nfc, buf, n, &status))
		return U_FAILURE(status) ? US_UC_FORM_ERROR : US_UC_FORM_NOT_NFC;
	if (!unorm2_isNormalized(nfkc, buf, n, &status))
		return U_FAILURE(status) ? US_UC_FORM_ERROR : US_UC_FORM_NFC_ONLY;
	return U_FAILURE(status) ? US_UC_FORM_ERROR : US_UC_FORM_NFKC;
}

/*
 * The checks: UTS #39's restriction level "moderately restrictive" (one
 * script, or Latin with Han and kana or Hangul, or Latin with one other
 * script that is not Cyrillic, Greek or Cherokee, the scripts with Latin
 * look-alikes); digits of one decimal system; no combining mark twice on
 * one base and no dot above on i, j or l (HIDDEN_OVERLAY, "i\u0307" looks
 * like "i"). Not CHAR_LIMIT: ICU's allowed set is left at everything.
 */
#define LOOKALIKE_CHECKS (USPOOF_RESTRICTION_LEVEL | USPOOF_MIXED_NUMBERS | \
						  USPOOF_INVISIBLE | USPOOF_HIDDEN_OVERLAY)

/*
 * Opened on first use and kept for the life of the process; a checker is
 * safe to share once configured. A failure is not remembered, so the next
 * call tries again. (The first use is not thread-safe; a backend has one
 * thread.)
 */
static USpoofChecker *
spoof_checker(void)
{
	static USpoofChecker *checker;
	UErrorCode	status = U_ZERO_ERROR;
	USpoofChecker *sc;

	if (checker != NULL)
		return checker;
	sc = uspoof_open(&status);
	if (U_FAILURE(status))
		return NULL;
	uspoof_setRestrictionLevel(sc, USPOOF_MODERATELY_RESTRICTIVE);
	uspoof_setChecks(sc, LOOKALIKE_CHECKS, &status);
	if (U_FAILURE(status))
	{
		uspoof_close(sc);
		return NULL;
	}
	checker = sc;
	return checker;
}

UsUcLookalike
us_uc_lookalike(const char *s, size_t len)
{
	UErrorCode	status = U_ZERO_ERROR;
	USpoofChecker *sc;
	int32_t		found;
	size_t		i;

	for (i = 0; i < len; i++)
	{
		if ((unsigned char) s[i] >= 0x80)
			break;
	}
	if (i == len)
		return US_UC_LOOKALIKE_NONE;
	if (len > INT32_MAX)
		return US_UC_LOOKALIKE_ERROR;

	sc = spoof_checker();
	if (sc == NULL)
		return US_UC_LOOKALIKE_ERROR;
	found = uspoof_checkUTF8(sc, s, (int32_t) len, NULL, &status);
	if (U_FAILURE(status))
		return US_UC_LOOKALIKE_ERROR;
	if (found & USPOOF_RESTRICTION_LEVEL)
		return US_UC_LOOKALIKE_MIXED_SCRIPTS;
	if (found & USPOOF_MIXED_NUMBERS)
		return US_UC_LOOKALIKE_MIXED_NUMBERS;
	if (found & (USPOOF_INVISIBLE | USPOOF_HIDDEN_OVERLAY))
		return US_UC_LOOKALIKE_HIDDEN_MARKS;
	if (found != 0)
		return US_UC_LOOKALIKE_MIXED_SCRIPTS;	/* a check we did not ask for */
	return US_UC_LOOKALIKE_NONE;
}
