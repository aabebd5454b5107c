/*
 * validate.h: the input rules of docs/contract.md, as plain C over UTF-8 bytes.
 *
 * Nothing here knows PostgreSQL, so a fuzzer can link it alone. Each check
 * returns NULL when the value is acceptable, or the end of a sentence that
 * says why not ("must be at most 254 characters"), for the caller to report.
 */
#ifndef USERSERVICE_VALIDATE_H
#define USERSERVICE_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

#define US_EMAIL_MAX_CHARS 254
#define US_EMAIL_LOCAL_MAX_CHARS 64
/* Longest email presented at all (login): 254 characters of 4 bytes. */
#define US_EMAIL_MAX_BYTES 1016
#define US_PASSWORD_MIN_CHARS 8
#define US_PASSWORD_MAX_CHARS 128
/* Longest password presented at all (login, import of a legacy one): 128 characters of 4 bytes, twice. */
#define US_PASSWORD_MAX_BYTES 1024
#define US_DISPLAY_NAME_MAX_CHARS 100
#define US_TITLE_MAX_CHARS 200
#define US_BODY_MAX_CHARS 100000
#define US_PAGE_SIZE_DEFAULT 20
#define US_PAGE_SIZE_MAX 1000

/*
 * Number of code points in s, or -1 when s is not valid UTF-8.
 */
extern long us_utf8_length(const char *s, size_t len);

/*
 * An email, as it will be stored: pass it through us_normalize_nfc
 * (unicode_rules.h) first, and check and store what that returns, so that
 * NFC and NFD spellings are one account. Text that is not NFC is refused.
 * Beyond the ASCII rules, non-ASCII text must have no invisible characters,
 * no compatibility characters (it must be NFKC), and pass ICU's spoof
 * checker in its local part and in each label of its domain. Plain ASCII
 * never reaches ICU.
 */
extern const char *us_check_email(const char *s, size_t len);
extern const char *us_check_password(const char *s, size_t len);
extern const char *us_check_display_name(const char *s, size_t len);
extern const char *us_check_role(const char *s, size_t len);

/*
 * A single-line or multi-line text of min..max characters, no control
 * characters but, when multiline, tab and line breaks. With min > 0 it
 * must not be blank: spaces and invisible characters (unicode_rules.h)
 * are not content, though they are kept.
 */
extern const char *us_check_text(const char *s, size_t len, long min_chars,
								 long max_chars, bool multiline);

#endif
