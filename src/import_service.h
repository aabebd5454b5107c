/*
 * import_service.h: bulk creation of users from a JSON array, all or nothing.
 */
#ifndef USERSERVICE_IMPORT_SERVICE_H
#define USERSERVICE_IMPORT_SERVICE_H

#include "postgres.h"

#include "utils/jsonb.h"

#include "caller.h"

/* Most users one import_users call accepts. */
#define US_IMPORT_MAX_USERS 10000

/*
 * Validate every element, refuse duplicates (in the batch or against the
 * table) with 23505 naming the email, hash the plain passwords, insert all
 * in one statement. Returns the number created; *ids gets their ids.
 */
extern int	import_service_users(const Caller *caller, Jsonb *users, Datum *ids_array);

#endif
