/*
 * schema_guard.h: the schema every SPI statement names is the extension's.
 *
 * Statements name their tables as userservice.x and run as the extension's
 * owner. Were the schema owned by an ordinary role, that role could rename
 * it and put tables of its own (with triggers) under the old name; the next
 * re-plan would run the owner's statements against them. So before any
 * statement runs, the schema named userservice must be the extension's and
 * be owned by a superuser (checked again after any change to pg_namespace).
 */
#ifndef USERSERVICE_SCHEMA_GUARD_H
#define USERSERVICE_SCHEMA_GUARD_H

/* ERROR (55000) unless schema userservice is the extension's, owned by a superuser. */
extern void us_schema_guard(void);

#endif
