/*
 * page.h: the paging arguments every list function shares: page_size
 * (default 20, 1..1000), after_id (keyset cursor, none for the first page)
 * and skip (offset paging, default 0).
 */
#ifndef USERSERVICE_PAGE_H
#define USERSERVICE_PAGE_H

#include "postgres.h"

typedef struct PageArgs
{
	int32		page_size;
	bool		has_after;
	int64		after_id;
	int64		skip;
} PageArgs;

#endif
