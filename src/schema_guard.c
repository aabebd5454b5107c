/*
 * schema_guard.c: see schema_guard.h.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_namespace.h"
#include "commands/extension.h"
#include "miscadmin.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "schema_guard.h"

static bool guard_ok = false;
static bool guard_registered = false;

/* pg_extension.extnamespace of the extension (PostgreSQL 15 exports no lookup). */
static Oid
extension_schema(Oid ext)
{
	Relation	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;
	Oid			nsp = InvalidOid;

	ScanKeyInit(&key, Anum_pg_extension_oid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(ext));
	scan = systable_beginscan(rel, ExtensionOidIndexId, true, NULL, 1, &key);
	tuple = systable_getnext(scan);
	if (HeapTupleIsValid(tuple))
		nsp = ((Form_pg_extension) GETSTRUCT(tuple))->extnamespace;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return nsp;
}

static void
forget(Datum arg, int cacheid, uint32 hashvalue)
{
	guard_ok = false;
}

void
us_schema_guard(void)
{
	Oid			ext;
	Oid			nsp;
	HeapTuple	tuple;
	Oid			owner = InvalidOid;

	if (guard_ok)
		return;
	if (!guard_registered)
	{
		CacheRegisterSyscacheCallback(NAMESPACEOID, forget, (Datum) 0);
		guard_registered = true;
	}

	ext = get_extension_oid("userservice", true);
	nsp = get_namespace_oid("userservice", true);
	if (!OidIsValid(ext) || !OidIsValid(nsp) || extension_schema(ext) != nsp)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("schema \"userservice\" is not the extension's schema"),
				 errdetail("The schema named userservice is not the one extension userservice was installed in."),
				 errhint("A schema was renamed or replaced; a superuser must restore it.")));

	tuple = SearchSysCache1(NAMESPACEOID, ObjectIdGetDatum(nsp));
	if (HeapTupleIsValid(tuple))
	{
		owner = ((Form_pg_namespace) GETSTRUCT(tuple))->nspowner;
		ReleaseSysCache(tuple);
	}
	if (!OidIsValid(owner) || !superuser_arg(owner))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("schema \"userservice\" is not owned by a superuser"),
				 errdetail("Its owner could replace the extension's tables."),
				 errhint("A superuser runs ALTER SCHEMA userservice OWNER TO a superuser.")));
	guard_ok = true;
}
