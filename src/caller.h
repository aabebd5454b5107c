/*
 * caller.h: who is calling (the dependencies get_current_user and
 * require_admin): the role in effect outside our SECURITY DEFINER functions,
 * and the user named by request.jwt.claims as PostgREST (or a SQL client
 * that called verify_token) set it.
 *
 * Classification fails closed: a caller is a superuser or a member of
 * userservice_trusted (trusted, acts without claims), or has the privileges
 * of a web role, or is refused with 42501. A web role's claims must pass the
 * strict claim rules and must not be revoked (its user exists, is active,
 * is still an admin for the admin role, and tv is current), or the call is
 * refused with 28000: the same rule at every function, whatever the front
 * door. The verdict is kept for the rest of the transaction while the claims
 * text, the role and the command id stay the same.
 */
#ifndef USERSERVICE_CALLER_H
#define USERSERVICE_CALLER_H

#include "postgres.h"

#include "token.h"

typedef enum CallerKind
{
	CALLER_TRUSTED,				/* superusers and members of userservice_trusted */
	CALLER_ANON,				/* userservice_anon */
	CALLER_USER,				/* userservice_user */
	CALLER_ADMIN				/* userservice_admin */
} CallerKind;

typedef struct Caller
{
	CallerKind	kind;
	bool		is_superuser;
	bool		has_user;		/* the claims name a user */
	int64		user_id;
} Caller;

/*
 * 28000 unless the user the claims name may still act with them: exists, is
 * active, is an admin when as_admin, and tv is the user's token_version.
 */
extern void us_check_not_revoked(bool as_admin, const TokenClaims *tc);

/* Classify the current caller; 42501 or 28000 as above. */
extern void us_caller_current(Caller *caller);

/* The caller's own user id; 42501 when there is none. */
extern int64 us_caller_require_user(const Caller *caller);

/* Trusted roles and admins pass; a user only for their own id; 42501 else. */
extern void us_caller_require_self_or_admin(const Caller *caller, int64 user_id);

/* Trusted roles and admins pass; 42501 else. */
extern void us_caller_require_admin(const Caller *caller);

/* Anyone but anon: a signed-in user, an admin, a trusted role; 42501 else. */
extern void us_caller_require_signed_in(const Caller *caller);

/* Anon, admins and trusted roles (sign-up, login); 42501 for a signed-in user. */
extern void us_caller_require_not_user(const Caller *caller);

/* Superusers only (signing keys); 42501 else. */
extern void us_caller_require_superuser(const Caller *caller);

#endif
