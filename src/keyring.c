/*
 * keyring.c: the per-backend cache of signing keys.
 *
 * The secrets live in a memory context of their own, whose reset callback
 * wipes them; the cache reloads after any relcache invalidation of
 * userservice.signing_keys, which the table's trigger sends on every change
 * (committed changes reach other backends; a rolled-back one is undone here).
 */
#include "postgres.h"

#include "commands/trigger.h"
#include "fmgr.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include <sodium.h>

#include "key_store.h"
#include "keyring.h"

static MemoryContext ring_cxt = NULL;
static Keyring ring;
static bool ring_valid = false;
static bool callback_registered = false;
static Oid	ring_relid = InvalidOid;
static uint64 invalidations = 0;
static MemoryContextCallback wipe_callback;

static void
wipe_secrets(void *arg)
{
	for (int i = 0; i < ring.nkeys; i++)
		sodium_memzero(ring.keys[i].secret, ring.keys[i].secret_len);
	ring.nkeys = 0;
	ring.keys = NULL;
}

static void
invalidate(Datum arg, Oid relid)
{
	if (!OidIsValid(relid) || relid == ring_relid)
	{
		ring_valid = false;
		invalidations++;
	}
}

const Keyring *
us_keyring(void)
{
	uint64		seen;

	if (!callback_registered)
	{
		CacheRegisterRelcacheCallback(invalidate, (Datum) 0);
		callback_registered = true;
	}
	/* A retirement committed since this statement began counts now. */
	AcceptInvalidationMessages();
	if (ring_valid)
		return &ring;

	if (ring_cxt == NULL)
		ring_cxt = AllocSetContextCreate(TopMemoryContext, "userservice keyring",
										 ALLOCSET_SMALL_SIZES);
	else
		MemoryContextReset(ring_cxt);	/* wipes the old secrets */
	wipe_callback.func = wipe_secrets;
	wipe_callback.arg = NULL;
	MemoryContextRegisterResetCallback(ring_cxt, &wipe_callback);

	seen = invalidations;
	ring_relid = key_store_relid();
	ring.nkeys = key_store_load(ring_cxt, &ring.keys);
	/* An invalidation while loading: use these keys now, reload next time. */
	ring_valid = (invalidations == seen);
	return &ring;
}

const SigningKey *
us_keyring_signing_key(const Keyring *r)
{
	if (r->nkeys == 0 || !r->keys[0].signs)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("no signing key"),
				 errdetail("Tokens cannot be signed without a key in userservice.signing_keys."),
				 errhint("A superuser runs SELECT userservice.create_signing_key('HS256').")));
	return &r->keys[0];
}

const SigningKey *
us_keyring_find(const Keyring *r, const char *kid, size_t len)
{
	for (int i = 0; i < r->nkeys; i++)
	{
		if (strlen(r->keys[i].kid) == len && memcmp(r->keys[i].kid, kid, len) == 0)
			return &r->keys[i];
	}
	return NULL;
}

PG_FUNCTION_INFO_V1(us_signing_keys_changed);

/* Statement trigger on signing_keys: every backend reloads its keyring. */
Datum
us_signing_keys_changed(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "us_signing_keys_changed: not called as a trigger");
	CacheInvalidateRelcache(trigdata->tg_relation);
	return PointerGetDatum(NULL);
}
