/*
 * userservice.c: the module's entry point.
 */
#include "postgres.h"

#include "fmgr.h"

#include <sodium.h>

#include "config.h"
#include "log_privacy.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	/* libsodium picks its implementations and seeds its RNG once. */
	if (sodium_init() < 0)
		ereport(ERROR,
				(errcode(ERRCODE_SYSTEM_ERROR),
				 errmsg("could not initialize libsodium")));

	us_define_settings();
	us_log_privacy_init();
}
