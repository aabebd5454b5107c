/*
 * fuzz_jwt.c: libFuzzer harness for src/jwt.c (split, base64url, HMAC,
 * signature check), linked without a server, with libsodium.
 *
 * Every buffer is allocated at exactly the size jwt.h documents, so
 * AddressSanitizer catches a write or read past it. Properties checked:
 *  - us_jwt_split accepts exactly the texts with two dots and three
 *    non-empty parts, and its spans tile the token;
 *  - base64url round trips: decode(encode(x)) == x for any bytes, and
 *    encode(decode(t)) == t whenever t decodes (the decoder accepts only
 *    canonical text);
 *  - us_jwt_signature_ok agrees with an HMAC computed here, accepts the
 *    right signature of any header.payload and refuses it with one
 *    character changed.
 * The round trip once failed on every byte >= 0x80 (libsodium 1.0.18 read
 * them as '_'; fixed in 412ee0e by an alphabet check in us_b64url_decode):
 * corpus/jwt/signature-high-byte keeps that token as a regression input.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "jwt.h"

static const char key[] = "fuzz-secret-0123456789-abcdefghijklmnop";

static void
fail(const char *what, const uint8_t *data, size_t size)
{
	fprintf(stderr, "\nproperty broken: %s; input %zu bytes:", what, size);
	for (size_t i = 0; i < size && i < 600; i++)
		fprintf(stderr, " %02x", data[i]);
	fprintf(stderr, "\n");
	abort();
}

static bool
ref_split_ok(const uint8_t *t, size_t n)
{
	size_t		dots = 0,
				first = 0,
				second = 0;

	for (size_t i = 0; i < n; i++)
	{
		if (t[i] == '.')
		{
			if (dots == 0)
				first = i;
			else if (dots == 1)
				second = i;
			dots++;
		}
	}
	return dots == 2 && first > 0 && second > first + 1 && second < n - 1;
}

/* decode with an output buffer of exactly the documented size */
static bool
decode_exact(const char *in, size_t in_len, unsigned char **out, size_t *out_len)
{
	*out = malloc(in_len * 3 / 4 + 1);
	if (!us_b64url_decode(*out, out_len, in, in_len))
	{
		free(*out);
		*out = NULL;
		return false;
	}
	if (*out_len > in_len * 3 / 4)
		abort();
	return true;
}

static char *
encode_exact(const unsigned char *in, size_t n)
{
	char	   *out = malloc(us_b64url_encoded_len(n));

	us_b64url_encode(out, in, n);
	return out;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool initialized = false;
	char	   *tok;
	JwtParts	parts;
	bool		split;
	unsigned char *dec;
	size_t		dec_len;
	char	   *enc;

	if (!initialized)
	{
		if (sodium_init() < 0)
			abort();
		initialized = true;
	}

	tok = malloc(size ? size : 1);
	memcpy(tok, data, size);

	/* split */
	split = us_jwt_split(tok, size, &parts);
	if (split != ref_split_ok(data, size))
		fail(split ? "us_jwt_split accepted a bad token" : "us_jwt_split refused a good token", data, size);
	if (split &&
		(parts.header != tok || parts.payload != tok + parts.header_len + 1 ||
		 parts.signature != parts.payload + parts.payload_len + 1 ||
		 parts.header_len + parts.payload_len + parts.signature_len + 2 != size))
		fail("us_jwt_split spans do not tile the token", data, size);

	/* decode then encode: canonical text only */
	if (decode_exact(tok, size, &dec, &dec_len))
	{
		enc = encode_exact(dec, dec_len);
		if (strlen(enc) != size || memcmp(enc, tok, size) != 0)
			fail("encode(decode(t)) != t", data, size);
		free(enc);
		free(dec);
	}

	/* encode then decode: any bytes */
	enc = encode_exact(data, size);
	if (!decode_exact(enc, strlen(enc), &dec, &dec_len) ||
		dec_len != size || memcmp(dec, data, size) != 0)
		fail("decode(encode(x)) != x", data, size);
	free(dec);
	free(enc);

	/* signature check against a reference HMAC */
	if (split)
	{
		unsigned char mac[crypto_auth_hmacsha256_BYTES];
		char	   *good;
		bool		ref;
		bool		impl = us_jwt_signature_ok(&parts, key, strlen(key));
		size_t		signed_len = parts.header_len + 1 + parts.payload_len;

		crypto_auth_hmacsha256_state st;

		crypto_auth_hmacsha256_init(&st, (const unsigned char *) key, strlen(key));
		crypto_auth_hmacsha256_update(&st, data, signed_len);
		crypto_auth_hmacsha256_final(&st, mac);
		good = encode_exact(mac, sizeof(mac));
		ref = parts.signature_len == strlen(good) &&
			memcmp(parts.signature, good, parts.signature_len) == 0;
		if (impl != ref)
			fail(impl ? "us_jwt_signature_ok accepted a wrong signature" :
				 "us_jwt_signature_ok refused the right signature", data, size);

		/* header.payload.<right signature>, then with one character changed */
		{
			size_t		glen = strlen(good);
			char	   *t2 = malloc(signed_len + 1 + glen);
			JwtParts	p2;

			memcpy(t2, data, signed_len);
			t2[signed_len] = '.';
			memcpy(t2 + signed_len + 1, good, glen);
			if (!us_jwt_split(t2, signed_len + 1 + glen, &p2) ||
				!us_jwt_signature_ok(&p2, key, strlen(key)))
				fail("the right signature was refused", data, size);
			t2[signed_len + 1 + data[0] % glen] ^= 0x01;
			if (us_jwt_split(t2, signed_len + 1 + glen, &p2) &&
				us_jwt_signature_ok(&p2, key, strlen(key)))
				fail("a signature with a changed character was accepted", data, size);
			free(t2);
		}
		free(good);
	}

	free(tok);
	return 0;
}
