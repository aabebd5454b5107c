/*
 * key_store.c: the SQL for userservice.signing_keys.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type_d.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"

#include <sodium.h>

#include "key_store.h"
#include "schema_guard.h"
#include "spi_util.h"

Oid
key_store_relid(void)
{
	Oid			nsp;

	us_schema_guard();
	nsp = get_namespace_oid("userservice", true);

	return OidIsValid(nsp) ? get_relname_relid("signing_keys", nsp) : InvalidOid;
}

int
key_store_load(MemoryContext cxt, SigningKey **keys)
{
	static SPIPlanPtr plan = NULL;
	int			n;

	SPI_connect();
	us_spi_plan(&plan,
				"SELECT kid, secret, state OPERATOR(pg_catalog.=) 'signing', omit_kid"
				" FROM userservice.signing_keys"
				" WHERE state OPERATOR(pg_catalog.<>) 'retired'"
				" ORDER BY state OPERATOR(pg_catalog.=) 'signing' DESC, kid",
				0, NULL);
	/*
	 * The latest snapshot, not the statement's: a repeatable-read
	 * transaction (or a statement begun before a retirement committed)
	 * would otherwise reload keys that were already retired and cache them
	 * as current.
	 */
	us_schema_guard();
	if (SPI_execute_snapshot(plan, NULL, NULL, GetLatestSnapshot(), InvalidSnapshot,
							 true, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read userservice.signing_keys");
	n = (int) SPI_processed;
	*keys = MemoryContextAllocZero(cxt, sizeof(SigningKey) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		SigningKey *key = &(*keys)[i];
		bool		isnull;
		text	   *kid = DatumGetTextPP(SPI_getbinval(tuple, desc, 1, &isnull));
		bytea	   *secret = DatumGetByteaPP(SPI_getbinval(tuple, desc, 2, &isnull));
		size_t		kid_len = Min(VARSIZE_ANY_EXHDR(kid), US_KID_MAX_LEN);

		memcpy(key->kid, VARDATA_ANY(kid), kid_len);
		key->kid[kid_len] = '\0';
		key->secret_len = VARSIZE_ANY_EXHDR(secret);
		key->secret = MemoryContextAlloc(cxt, Max(key->secret_len, 1));
		memcpy(key->secret, VARDATA_ANY(secret), key->secret_len);
		sodium_memzero(VARDATA_ANY(secret), key->secret_len);
		key->signs = DatumGetBool(SPI_getbinval(tuple, desc, 3, &isnull));
		key->omit_kid = DatumGetBool(SPI_getbinval(tuple, desc, 4, &isnull));
	}
	SPI_finish();
	return n;
}

void
key_store_add(const char *kid, const unsigned char *secret, size_t len)
{
	static SPIPlanPtr demote_plan = NULL;
	static SPIPlanPtr insert_plan = NULL;
	static const Oid types[] = {TEXTOID, BYTEAOID};
	bytea	   *b = palloc(VARHDRSZ + len);
	Datum		values[2];

	SET_VARSIZE(b, VARHDRSZ + len);
	memcpy(VARDATA(b), secret, len);
	values[0] = CStringGetTextDatum(kid);
	values[1] = PointerGetDatum(b);

	SPI_connect();
	us_spi_plan(&demote_plan,
				"UPDATE userservice.signing_keys SET state = 'verifying'"
				" WHERE state OPERATOR(pg_catalog.=) 'signing'",
				0, NULL);
	us_spi_execute(demote_plan, NULL, NULL, false, SPI_OK_UPDATE);
	us_spi_plan(&insert_plan,
				"INSERT INTO userservice.signing_keys (kid, alg, secret, state, activated_at)"
				" VALUES ($1, 'HS256', $2, 'signing', pg_catalog.now())",
				2, types);
	us_spi_execute(insert_plan, values, NULL, false, SPI_OK_INSERT);
	SPI_finish();
	sodium_memzero(VARDATA(b), len);
	pfree(b);
}

KeyRetireResult
key_store_retire(const char *kid)
{
	static SPIPlanPtr state_plan = NULL;
	static SPIPlanPtr retire_plan = NULL;
	static const Oid types[] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(kid)};
	KeyRetireResult result = KEY_RETIRED;

	SPI_connect();
	us_spi_plan(&state_plan,
				"SELECT state OPERATOR(pg_catalog.=) 'signing' FROM userservice.signing_keys"
				" WHERE kid OPERATOR(pg_catalog.=) $1"
				" AND state OPERATOR(pg_catalog.<>) 'retired' FOR UPDATE",
				1, types);
	us_spi_execute(state_plan, values, NULL, false, SPI_OK_SELECT);
	if (SPI_processed == 0)
		result = KEY_NOT_FOUND;
	else
	{
		bool		isnull;

		if (DatumGetBool(us_spi_value(1, &isnull)))
			result = KEY_IS_SIGNING;
	}
	if (result == KEY_RETIRED)
	{
		us_spi_plan(&retire_plan,
					"UPDATE userservice.signing_keys"
					" SET state = 'retired', secret = NULL, retired_at = pg_catalog.now()"
					" WHERE kid OPERATOR(pg_catalog.=) $1",
					1, types);
		us_spi_execute(retire_plan, values, NULL, false, SPI_OK_UPDATE);
	}
	SPI_finish();
	return result;
}
