/*
 * caller.h: who is calling (the dependencies get_current_user and
 * require_admin): the role in effect outside our SECURITY DEFINER functions,
 * and the user id in request.jwt.claims as PostgREST (or a SQL client that
 * called verify_token) set it.
 */
#ifndef USERSERVICE_CALLER_H
#define USERSERVICE_CALLER_H

#include "postgres.h"

typedef enum CallerKind
{
	CALLER_TRUSTED,				/* superusers, and roles with none of the web roles */
	CALLER_ANON,				/* userservice_anon */
	CALLER_USER,				/* userservice_user */
	CALLER_ADMIN				/* userservice_admin */
} CallerKind;

typedef struct Caller
{
	CallerKind	kind;
	bool		has_user;		/* request.jwt.claims carries a sub */
	int64		user_id;
	bool		has_token_version;	/* the claims carry "tv" */
	double		token_version;
} Caller;

/* Classify the current caller; 28000 when the claims setting is malformed. */
extern void us_caller_current(Caller *caller);

/* The caller's own user id; 42501 when there is none. */
extern int64 us_caller_require_user(const Caller *caller);

/* Trusted roles and admins pass; a user only for their own id; 42501 else. */
extern void us_caller_require_self_or_admin(const Caller *caller, int64 user_id);

/* Trusted roles and admins pass; 42501 else. */
extern void us_caller_require_admin(const Caller *caller);

#endif
