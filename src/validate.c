/*
 * validate.c: the input rules (what Pydantic's Field() did), over UTF-8.
 *
 * Lengths are counted in code points, never bytes. The server has already
 * checked that text is valid UTF-8, but these functions do not rely on it:
 * a fuzzer feeds them arbitrary bytes. What Unicode says about a character
 * (a space? invisible?), normal forms and look-alikes are unicode_rules.c's,
 * over ICU; plain ASCII is decided here and never reaches ICU.
 */
#include "validate.h"

#include <stdint.h>
#include <string.h>

#include "unicode_rules.h"

/*
 * Decode one code point at s[*pos], advancing *pos; -1 on a malformed,
 * overlong or surrogate sequence.
 */
static int32_t
utf8_next(const unsigned char *s, size_t len, size_t *pos)
{
	unsigned char c = s[*pos];
	int			extra;
	int32_t		cp;
	int32_t		min;

	if (c < 0x80)
	{
		(*pos)++;
		return c;
	}
	else if ((c & 0xE0) == 0xC0)
	{
		extra = 1;
		cp = c & 0x1F;
		min = 0x80;
	}
	else if ((c & 0xF0) == 0xE0)
	{
		extra = 2;
		cp = c & 0x0F;
		min = 0x800;
	}
	else if ((c & 0xF8) == 0xF0)
	{
		extra = 3;
		cp = c & 0x07;
		min = 0x10000;
	}
	else
		return -1;

	if (len - *pos <= (size_t) extra)
		return -1;
	for (int i = 1; i <= extra; i++)
	{
		unsigned char cc = s[*pos + i];

		if ((cc & 0xC0) != 0x80)
			return -1;
		cp = (cp << 6) | (cc & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return -1;
	*pos += extra + 1;
	return cp;
}

long
us_utf8_length(const char *s, size_t len)
{
	size_t		pos = 0;
	long		n = 0;

	while (pos < len)
	{
		if (utf8_next((const unsigned char *) s, len, &pos) < 0)
			return -1;
		n++;
	}
	return n;
}

/* C0 controls, DEL and C1 controls: general category Cc. */
static bool
is_control(int32_t cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

/*
 * Whether a character that is not a control is content: neither a space
 * nor invisible. ASCII is decided here, without ICU.
 */
static bool
is_content(int32_t cp)
{
	if (cp < 0x80)
		return cp != ' ';
	return !us_uc_is_space(cp) && !us_uc_is_invisible(cp);
}

/* ICU's spoof checker said no; each reason says what to change. */
static const char *
lookalike_reason(UsUcLookalike found)
{
	switch (found)
	{
		case US_UC_LOOKALIKE_NONE:
			return NULL;
		case US_UC_LOOKALIKE_MIXED_SCRIPTS:
			return "must not contain look-alike characters from mixed scripts";
		case US_UC_LOOKALIKE_MIXED_NUMBERS:
			return "must not mix digits from different scripts";
		case US_UC_LOOKALIKE_HIDDEN_MARKS:
			return "must not contain repeated or hidden combining marks";
		case US_UC_LOOKALIKE_ERROR:
			break;
	}
	return "could not be checked for look-alike characters";
}

/*
 * The local part, then each label of the domain, each on its own: scripts
 * may differ between them, not within one.
 */
static const char *
check_lookalikes(const char *s, size_t len, size_t at_pos)
{
	const char *reason = lookalike_reason(us_uc_lookalike(s, at_pos));
	size_t		label = at_pos + 1;

	for (size_t i = label; reason == NULL && i <= len; i++)
	{
		if (i == len || s[i] == '.')
		{
			reason = lookalike_reason(us_uc_lookalike(s + label, i - label));
			label = i + 1;
		}
	}
	return reason;
}

/* The look-alike checks need the whole email in a short buffer. */
_Static_assert(US_EMAIL_MAX_CHARS * 4 <= US_UC_SHORT_MAX_BYTES,
			   "an email of US_EMAIL_MAX_CHARS must fit us_uc_normal_forms");

const char *
us_check_email(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *) s;
	size_t		pos = 0;
	long		chars = 0;
	long		local_chars = 0;
	int			ats = 0;
	size_t		at_pos = 0;
	bool		ascii = true;

	if (len == 0)
		return "must not be empty";

	while (pos < len)
	{
		size_t		start = pos;
		int32_t		cp = utf8_next(u, len, &pos);

		if (cp < 0)
			return "must be valid UTF-8";
		if (is_control(cp))
			return "must not contain control characters";
		if (cp < 0x80)
		{
			if (cp == ' ')
				return "must not contain spaces";
		}
		else
		{
			ascii = false;
			if (us_uc_is_space(cp))
				return "must not contain spaces";
			if (us_uc_is_invisible(cp))
				return "must not contain invisible or direction-control characters";
		}
		if (cp == '@')
		{
			ats++;
			at_pos = start;
		}
		else if (ats == 0)
			local_chars++;
		chars++;
	}

	if (chars > US_EMAIL_MAX_CHARS)
		return "must be at most 254 characters";

	/*
	 * Before the "@" and the dots, which may be fullwidth ones: "must not
	 * contain compatibility characters" says more than "must contain exactly
	 * one @" for a fullwidth email.
	 */
	if (!ascii)
	{
		switch (us_uc_normal_forms(s, len))
		{
			case US_UC_FORM_NFKC:
				break;
			case US_UC_FORM_NFC_ONLY:
				return "must not contain compatibility characters (such as fullwidth letters)";
			case US_UC_FORM_NOT_NFC:
				return "must be in Unicode normalization form C (NFC)";
			case US_UC_FORM_ERROR:
				return "could not be checked for compatibility characters";
		}
	}

	if (ats != 1)
		return "must contain exactly one \"@\"";
	if (local_chars == 0)
		return "must have a local part before the \"@\"";
	if (local_chars > US_EMAIL_LOCAL_MAX_CHARS)
		return "must have a local part of at most 64 characters";

	{
		const char *domain = s + at_pos + 1;
		size_t		dlen = len - at_pos - 1;

		if (dlen == 0 || memchr(domain, '.', dlen) == NULL)
			return "must have a domain with at least one dot";
		if (domain[0] == '.' || domain[dlen - 1] == '.')
			return "must not have a domain that starts or ends with a dot";
		for (size_t i = 1; i < dlen; i++)
		{
			if (domain[i] == '.' && domain[i - 1] == '.')
				return "must not have two dots in a row in its domain";
		}
	}

	/* Plain ASCII has one script and no marks: ICU has nothing to say. */
	if (ascii)
		return NULL;
	return check_lookalikes(s, len, at_pos);
}

const char *
us_check_password(const char *s, size_t len)
{
	long		chars = us_utf8_length(s, len);

	if (chars < 0)
		return "must be valid UTF-8";
	if (chars < US_PASSWORD_MIN_CHARS)
		return "must be at least 8 characters";
	if (chars > US_PASSWORD_MAX_CHARS)
		return "must be at most 128 characters";
	return NULL;
}

const char *
us_check_text(const char *s, size_t len, long min_chars, long max_chars,
			  bool multiline)
{
	const unsigned char *u = (const unsigned char *) s;
	size_t		pos = 0;
	long		chars = 0;
	bool		blank = true;

	while (pos < len)
	{
		int32_t		cp = utf8_next(u, len, &pos);

		if (cp < 0)
			return "must be valid UTF-8";
		if (is_control(cp) &&
			!(multiline && (cp == '\t' || cp == '\n' || cp == '\r')))
			return "must not contain control characters";
		/* only while it matters: no ICU calls past the first content */
		if (blank && min_chars > 0 && !is_control(cp) && is_content(cp))
			blank = false;
		chars++;
		if (chars > max_chars)
			break;
	}

	if (chars < min_chars)
		return "must not be empty";
	if (chars > max_chars)
		return max_chars == US_DISPLAY_NAME_MAX_CHARS ? "must be at most 100 characters" :
			max_chars == US_TITLE_MAX_CHARS ? "must be at most 200 characters" :
			max_chars == US_BODY_MAX_CHARS ? "must be at most 100000 characters" :
			"is too long";
	if (min_chars > 0 && blank)
		return "must not be blank";
	return NULL;
}

const char *
us_check_display_name(const char *s, size_t len)
{
	return us_check_text(s, len, 1, US_DISPLAY_NAME_MAX_CHARS, false);
}

const char *
us_check_role(const char *s, size_t len)
{
	if ((len == 4 && memcmp(s, "user", 4) == 0) ||
		(len == 5 && memcmp(s, "admin", 5) == 0))
		return NULL;
	return "must be \"user\" or \"admin\"";
}
