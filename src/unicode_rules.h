/*
 * unicode_rules.h: the Unicode side of the input rules, over ICU.
 *
 * Which code points count as spaces or as invisible, NFC for storage, and
 * the look-alike checks an email gets (NFKC, ICU's spoof checker). Plain C
 * like validate.h: no PostgreSQL headers, so the fuzzer and the unit test
 * link it with ICU alone. ASCII is answered without calling ICU.
 */
#ifndef USERSERVICE_UNICODE_RULES_H
#define USERSERVICE_UNICODE_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * White_Space, or a glyph that has no ink and that no property covers
 * (U+2800 BRAILLE PATTERN BLANK): it reads as a space.
 */
extern bool us_uc_is_space(int32_t cp);

/*
 * Renders as nothing, or reorders what surrounds it: Default_Ignorable_Code_Point,
 * Bidi_Control, and the general categories Cf (format), Co (private use)
 * and Cn (unassigned, which includes the noncharacters).
 */
extern bool us_uc_is_invisible(int32_t cp);

/* An allocator and its release function: palloc and pfree, malloc and free. */
typedef void *(*us_alloc_fn) (size_t size);
typedef void (*us_free_fn) (void *ptr);

/*
 * The NFC form of the UTF-8 text s, for storage and lookups.
 *
 * Returns NULL and sets *out and *out_len, or returns why not: "must be
 * valid UTF-8", "is too long" (over 512 MB, beyond ICU's int32_t lengths),
 * or a can't-happen error of ICU or of alloc ("could not be normalized...")
 * for the caller to report. When s is already NFC, as all ASCII is, *out
 * is s itself and nothing is allocated; otherwise *out is a NUL-terminated
 * buffer from alloc that the caller owns (*out_len excludes the NUL).
 * Scratch space beyond a few kilobytes of stack comes from alloc too and is
 * given back with release before returning. Nothing but alloc's own memory
 * is held when alloc is called, so an alloc that does not return (palloc's
 * ereport) leaks nothing its memory context does not own; one that returns
 * NULL (malloc) is an error here.
 */
extern const char *us_normalize_nfc(const char *s, size_t len,
									us_alloc_fn alloc, us_free_fn release,
									char **out, size_t *out_len);

/* The most bytes us_uc_normal_forms takes: 254 characters of 4 bytes. */
#define US_UC_SHORT_MAX_BYTES 1024

typedef enum UsUcForm
{
	US_UC_FORM_NFKC,			/* NFKC, and so NFC too */
	US_UC_FORM_NFC_ONLY,		/* NFC, but NFKC would change it */
	US_UC_FORM_NOT_NFC,
	US_UC_FORM_ERROR			/* not UTF-8, too long, or ICU failed */
} UsUcForm;

/* Which normal forms the UTF-8 text s (at most US_UC_SHORT_MAX_BYTES) is in. */
extern UsUcForm us_uc_normal_forms(const char *s, size_t len);

typedef enum UsUcLookalike
{
	US_UC_LOOKALIKE_NONE,
	US_UC_LOOKALIKE_MIXED_SCRIPTS,	/* beyond UTS #39 "moderately restrictive" */
	US_UC_LOOKALIKE_MIXED_NUMBERS,	/* digits of more than one decimal system */
	US_UC_LOOKALIKE_HIDDEN_MARKS,	/* a combining mark repeated, or a dot on i */
	US_UC_LOOKALIKE_ERROR		/* the spoof checker could not be opened or failed */
} UsUcLookalike;

/*
 * ICU's spoof checker over one identifier: an email's local part, or one
 * label of its domain (each on its own, so that an all-Cyrillic local part
 * goes with a Latin domain). ASCII passes without calling ICU.
 */
extern UsUcLookalike us_uc_lookalike(const char *s, size_t len);

#endif
