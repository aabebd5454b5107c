/*
 * patch.h: reading a JSON patch object against a list of patchable fields.
 *
 * The semantics of model_dump(exclude_unset=True): an absent key is left
 * alone, a present key is set; null, an unknown key or a value of the wrong
 * JSON type is a 22023 naming the key.
 */
#ifndef USERSERVICE_PATCH_H
#define USERSERVICE_PATCH_H

#include "postgres.h"

#include "utils/jsonb.h"

typedef enum PatchType
{
	PATCH_STRING,
	PATCH_BOOLEAN
} PatchType;

typedef struct PatchField
{
	const char *key;
	PatchType	type;
} PatchField;

typedef struct PatchValue
{
	bool		present;
	text	   *string;			/* PATCH_STRING */
	bool		boolean;		/* PATCH_BOOLEAN */
} PatchValue;

/*
 * Fill values[i] for fields[i] from patch; raise 22023 for anything that is
 * not an object of known keys with non-null values of the right type.
 */
extern void us_patch_read(Jsonb *patch, const PatchField *fields, int nfields,
						  PatchValue *values);

/*
 * The same for an object nested in a larger document (an element of
 * import_users' array): name is the argument ("users"), element its index.
 */
extern void us_patch_read_element(JsonbContainer *object, const char *name,
								  int element, const PatchField *fields,
								  int nfields, PatchValue *values);

/* Byte equality of two texts: did a patched value really change? */
extern bool us_text_equal(text *a, text *b);

#endif
