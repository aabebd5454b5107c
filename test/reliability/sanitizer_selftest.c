/*
 * sanitizer_selftest.c: compiled into the SANITIZER BUILD ONLY (sanitize.sh
 * copies it into its private build tree; it is never part of src/).
 *
 * 1. The sanitizer runtimes are not preloaded into the server (gcc 12's
 *    libasan deadlocks when preloaded into a binary linked with
 *    libgpg-error: libgpg-error's constructor calls bindtextdomain, whose
 *    malloc starts ASan, whose dlerror() re-enters gettext's lock). They
 *    are loaded with the module instead, so the options that must hold
 *    from the first instant are compiled in here. SANITIZER_REPORT_DIR is
 *    set by sanitize.sh. ASan writes to report.<pid> there; the standalone
 *    UBSan runtime, initialized before this module, keeps writing to stderr,
 *    which is the server log.
 *
 * 2. us_sanitizer_selftest(kind) commits one deliberate error of each kind
 *    in instrumented code: sanitize.sh calls it first to prove that a
 *    report is produced and found, so that "no report" later means
 *    something.
 */
#include "postgres.h"

#include "fmgr.h"

#ifndef SANITIZER_REPORT_DIR
#define SANITIZER_REPORT_DIR "/tmp"
#endif

extern const char *__asan_default_options(void);
extern const char *__ubsan_default_options(void);

const char *
__asan_default_options(void)
{
	return "verify_asan_link_order=0:detect_leaks=0:abort_on_error=1:"
		"detect_stack_use_after_return=1:"
		"log_path=" SANITIZER_REPORT_DIR "/report";
}

const char *
__ubsan_default_options(void)
{
	return "print_stacktrace=1:halt_on_error=0:"
		"log_path=" SANITIZER_REPORT_DIR "/report";
}

PG_FUNCTION_INFO_V1(us_sanitizer_selftest);

/* us_sanitizer_selftest(kind int, n int) returns int */
Datum
us_sanitizer_selftest(PG_FUNCTION_ARGS)
{
	int32		kind = PG_GETARG_INT32(0);
	int32		n = PG_GETARG_INT32(1);
	volatile char buf[8] = {0};

	switch (kind)
	{
		case 1:					/* UBSan: a shift past the width (PostgreSQL builds
								 * with -fwrapv, so signed overflow is defined) */
			PG_RETURN_INT32(1 << n);
		case 2:					/* ASan: stack buffer overflow, the backend aborts */
			PG_RETURN_INT32(buf[n]);
		default:
			PG_RETURN_INT32(0);
	}
}
