-- tokens: verify_token accepts exactly the HS256 tokens signed with a key of
-- userservice.signing_keys (by kid, or any verifying key when the token has
-- no kid) that have not expired and are not revoked, and refuses everything else
-- with 28000, never with another SQLSTATE and never showing the secret.
-- Tokens are crafted here with pgcrypto's hmac(), the way any other HS256
-- issuer (PostgREST, pgjwt, a Python service) would sign them.
\set VERBOSITY default
\set secret 'tokens-suite-secret-0123456789-abcdefghij'
SELECT userservice.create_signing_key('HS256', :'secret') AS suite_kid \gset
SET userservice.jwt_lifetime = 600;
CREATE TEMP TABLE suite_secret AS SELECT :'secret'::text AS s;

CREATE SCHEMA tokens_test;
CREATE EXTENSION pgcrypto SCHEMA tokens_test;

-- base64url without padding, of bytes and of text.
CREATE FUNCTION pg_temp.b64url(b bytea) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT rtrim(translate(encode(b, 'base64'), E'+/\n', '-_'), '=')
$$;
CREATE FUNCTION pg_temp.b64url(t text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT pg_temp.b64url(convert_to(t, 'UTF8'))
$$;
-- HS256 over header.payload (both given as JSON text) with key.
CREATE FUNCTION pg_temp.sign(header text, payload text, key text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT s || '.' || pg_temp.b64url(tokens_test.hmac(convert_to(s, 'UTF8'), convert_to(key, 'UTF8'), 'sha256'))
    FROM (SELECT pg_temp.b64url(header) || '.' || pg_temp.b64url(payload) AS s) p
$$;
-- Claims relative to now: exp_in and nbf_in in seconds (NULL: no claim).
CREATE FUNCTION pg_temp.claims(sub text, exp_in int, nbf_in int DEFAULT NULL, extra jsonb DEFAULT '{}') RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT (jsonb_strip_nulls(jsonb_build_object(
                'sub', sub, 'role', 'userservice_user',
                'iat', extract(epoch FROM now())::bigint,
                'exp', extract(epoch FROM now())::bigint + exp_in,
                'nbf', extract(epoch FROM now())::bigint + nbf_in,
                'tv', 1)) || extra)::text
$$;
-- What verify_token answered: SQLSTATE | message | detail, and whether the
-- secret shows anywhere in the error.
CREATE FUNCTION pg_temp.refusal(token text, OUT answer text, OUT shows_secret boolean)
LANGUAGE plpgsql AS $$
DECLARE
    st text; msg text; det text; hint text;
BEGIN
    PERFORM userservice.verify_token(token);
    answer := 'accepted';
    shows_secret := false;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                            det = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
    answer := st || ' | ' || msg || ' | ' || det;
    shows_secret := strpos(msg || det || coalesce(hint, ''), (SELECT s FROM suite_secret)) > 0;
END
$$;

SELECT id AS tom_id FROM userservice.create_user('tokens-tom@example.com', 'tom-password-1', 'Tom') \gset
SELECT access_token AS tom_token FROM userservice.login('tokens-tom@example.com', 'tom-password-1') \gset
SELECT split_part(:'tom_token', '.', 1) AS tom_header, split_part(:'tom_token', '.', 2) AS tom_payload,
       split_part(:'tom_token', '.', 3) AS tom_signature \gset
\set hs256 '{"alg":"HS256","typ":"JWT"}'
\set b64url_alphabet 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

----------------------------------------------------------------------
-- accepted
----------------------------------------------------------------------

-- A login token is accepted and is plain HS256: pgcrypto computes the same
-- signature over its header and payload with the same secret.
SELECT userservice.verify_token(:'tom_token')->>'sub' = :'tom_id' AS sub_is_tom;
SELECT pg_temp.b64url(tokens_test.hmac(convert_to(:'tom_header' || '.' || :'tom_payload', 'UTF8'),
                                       convert_to(:'secret', 'UTF8'), 'sha256'))
       = :'tom_signature' AS same_signature;

-- A token signed elsewhere with the same secret is accepted too (the
-- control for every refusal below), even with a header of its own shape.
SELECT (userservice.verify_token(pg_temp.sign(:'hs256', pg_temp.claims(:'tom_id', 60), :'secret'))) ->> 'sub' = :'tom_id' AS crafted_accepted;
SELECT (userservice.verify_token(pg_temp.sign('{"alg":"HS256"}', pg_temp.claims(:'tom_id', 60), :'secret'))) ->> 'sub' = :'tom_id' AS without_typ_accepted;
-- nbf in the past is fine.
SELECT (userservice.verify_token(pg_temp.sign(:'hs256', pg_temp.claims(:'tom_id', 60, -10), :'secret'))) ->> 'sub' = :'tom_id' AS past_nbf_accepted;
-- The claims come back as signed, extra claims included.
SELECT userservice.verify_token(pg_temp.sign(:'hs256', pg_temp.claims(:'tom_id', 60, NULL, '{"email":"tokens-tom@example.com"}'), :'secret')) ->> 'email' AS extra_claim;

----------------------------------------------------------------------
-- refused: 28000 for all, the secret never shown
----------------------------------------------------------------------

-- One case shown as psql prints it.
SELECT userservice.verify_token(:'tom_header' || '.' || :'tom_payload');
\echo :LAST_ERROR_SQLSTATE

SELECT label, (pg_temp.refusal(token)).*
FROM (VALUES
    -- malformed: not three non-empty parts
    (1, 'empty string', ''),
    (2, 'one part', :'tom_header'),
    (3, 'two parts', :'tom_header' || '.' || :'tom_payload'),
    (4, 'four parts', :'tom_token' || '.' || :'tom_signature'),
    (5, 'empty signature', :'tom_header' || '.' || :'tom_payload' || '.'),
    (6, 'empty header', '.' || :'tom_payload' || '.' || :'tom_signature'),
    (7, 'only dots', '..'),
    -- malformed: not base64url, not JSON
    (8, 'header not base64url', '!!!!.' || :'tom_payload' || '.' || :'tom_signature'),
    (9, 'header with padding', pg_temp.b64url(:'hs256') || '==.' || :'tom_payload' || '.' || :'tom_signature'),
    (10, 'header in standard base64', rtrim(encode(convert_to('{"alg":"HS256","typ":"JWT","x":"~~~"}', 'UTF8'), 'base64'), '=') || '.' || :'tom_payload' || '.' || :'tom_signature'),
    (11, 'header not JSON', pg_temp.b64url('not json') || '.' || :'tom_payload' || '.' || :'tom_signature'),
    (12, 'header a JSON array', pg_temp.b64url('["HS256"]') || '.' || :'tom_payload' || '.' || :'tom_signature'),
    (13, 'header JSON string', pg_temp.b64url('"HS256"') || '.' || :'tom_payload' || '.' || :'tom_signature'),
    (14, 'header not UTF-8', pg_temp.b64url('\xff7b7d'::bytea) || '.' || :'tom_payload' || '.' || :'tom_signature'),
    -- the algorithm: HS256 only
    (15, 'alg none, no signature', pg_temp.b64url('{"alg":"none","typ":"JWT"}') || '.' || :'tom_payload' || '.'),
    (16, 'alg none, signed', pg_temp.sign('{"alg":"none","typ":"JWT"}', pg_temp.claims(:'tom_id', 60), :'secret')),
    (17, 'alg HS512', pg_temp.sign('{"alg":"HS512","typ":"JWT"}', pg_temp.claims(:'tom_id', 60), :'secret')),
    (18, 'alg RS256', pg_temp.sign('{"alg":"RS256","typ":"JWT"}', pg_temp.claims(:'tom_id', 60), :'secret')),
    (19, 'alg hs256 (case)', pg_temp.sign('{"alg":"hs256","typ":"JWT"}', pg_temp.claims(:'tom_id', 60), :'secret')),
    (20, 'alg missing', pg_temp.sign('{"typ":"JWT"}', pg_temp.claims(:'tom_id', 60), :'secret')),
    (21, 'alg not a string', pg_temp.sign('{"alg":["HS256"]}', pg_temp.claims(:'tom_id', 60), :'secret')),
    -- the signature
    (22, 'tampered payload', :'tom_header' || '.' || pg_temp.b64url(replace(convert_from(decode(translate(:'tom_payload', '-_', '+/') || repeat('=', (4 - length(:'tom_payload') % 4) % 4), 'base64'), 'UTF8'), '"userservice_user"', '"userservice_admin"')) || '.' || :'tom_signature'),
    (23, 'other secret', pg_temp.sign(:'hs256', pg_temp.claims(:'tom_id', 60), 'another-secret-of-enough-length-0123456789')),
    (24, 'secret with one byte changed', pg_temp.sign(:'hs256', pg_temp.claims(:'tom_id', 60), overlay(:'secret' placing 'X' from 1 for 1))),
    (25, 'signature of another token', :'tom_header' || '.' || :'tom_payload' || '.' || split_part(pg_temp.sign(:'hs256', pg_temp.claims(:'tom_id', 60), :'secret'), '.', 3)),
    (25.5, 'signature one character longer', :'tom_token' || 'A'),
    (25.6, 'signature with its unused low bits set', left(:'tom_token', -1) || substr(:'b64url_alphabet', ((strpos(:'b64url_alphabet', right(:'tom_token', 1)) - 1) # 1) + 1, 1)),
    (26, 'signature truncated', :'tom_header' || '.' || :'tom_payload' || '.' || left(:'tom_signature', 42)),
    (27, 'signature not base64url', :'tom_header' || '.' || :'tom_payload' || '.' || repeat('*', 43)),
    (28, 'signature of zeros', :'tom_header' || '.' || :'tom_payload' || '.' || pg_temp.b64url(decode(repeat('00', 32), 'hex'))),
    (29, 'signature over other bytes', :'tom_header' || '.' || :'tom_payload' || '.' || pg_temp.b64url(tokens_test.hmac(convert_to(:'tom_payload', 'UTF8'), convert_to(:'secret', 'UTF8'), 'sha256'))),
    (30, 'empty secret', pg_temp.sign(:'hs256', pg_temp.claims(:'tom_id', 60), '')),
    -- the claims, signed with the right secret
    (31, 'claims not JSON', pg_temp.sign(:'hs256', 'not json', :'secret')),
    (32, 'claims a JSON array', pg_temp.sign(:'hs256', '[1,2]', :'secret')),
    (32.1, 'claims a JSON string', pg_temp.sign(:'hs256', '"sub"', :'secret')),
    (32.2, 'claims a JSON number', pg_temp.sign(:'hs256', '42', :'secret')),
    (32.3, 'claims with a 4-digit exponent, nested', pg_temp.sign(:'hs256', rtrim(pg_temp.claims(:'tom_id', 60), '}') || ',"x":[{"y":1e1000}]}', :'secret')),
    (32.4, 'claims with a 65-digit number in an array', pg_temp.sign(:'hs256', pg_temp.claims(:'tom_id', 60, NULL, jsonb_build_object('x', jsonb_build_array(repeat('9', 65)::numeric))), :'secret')),
    (32.5, 'claims with \u0000 in a string', pg_temp.sign(:'hs256', rtrim(pg_temp.claims(:'tom_id', 60), '}') || ',"x":"a\u0000b"}', :'secret')),
    (32.6, 'claims nested 17 deep', pg_temp.sign(:'hs256', rtrim(pg_temp.claims(:'tom_id', 60), '}') || ',"x":' || repeat('[', 16) || repeat(']', 16) || '}', :'secret')),
    (32.7, 'claims an object then more text', pg_temp.sign(:'hs256', pg_temp.claims(:'tom_id', 60) || ' {}', :'secret')),
    (33, 'exp missing', pg_temp.sign(:'hs256', pg_temp.claims(:'tom_id', NULL), :'secret')),
    (34, 'exp a string', pg_temp.sign(:'hs256', pg_temp.claims(:'tom_id', NULL, NULL, jsonb_build_object('exp', (extract(epoch FROM now())::bigint + 60)::text)), :'secret')),
    (35, 'exp null', pg_temp.sign(:'hs256', pg_temp.claims(:'tom_id', NULL, NULL, '{"exp":null}'), :'secret')),
    (36, 'exp past', pg_temp.sign(:'hs256', pg_temp.claims(:'tom_id', -10), :'secret')),
    (37, 'exp = now - 1', pg_temp.sign(:'hs256', pg_temp.claims(:'tom_id', -1), :'secret')),
    (38, 'exp zero', pg_temp.sign(:'hs256', pg_temp.claims(:'tom_id', NULL, NULL, '{"exp":0}'), :'secret')),
    (39, 'exp negative', pg_temp.sign(:'hs256', pg_temp.claims(:'tom_id', NULL, NULL, '{"exp":-1}'), :'secret')),
    (39.5, 'exp a 301-digit number', pg_temp.sign(:'hs256', pg_temp.claims(:'tom_id', NULL, NULL, '{"exp":1e300}'), :'secret')),
    (40, 'nbf in the future', pg_temp.sign(:'hs256', pg_temp.claims(:'tom_id', 600, 300), :'secret')),
    -- sizes
    (41, 'a huge token', :'tom_header' || '.' || repeat('A', 100000) || '.' || :'tom_signature')
) AS v(n, label, token)
ORDER BY n;

-- Claims are parsed in one pass into jsonb: nested values come back as
-- sent, and of a key given twice the last one counts (as in jsonb_in).
SELECT userservice.verify_token(pg_temp.sign(:'hs256',
       rtrim(pg_temp.claims(:'tom_id', 60), '}') || ',"x": {"a": [1, {"b": null}, "\u00e9"], "c": true, "d": -0.5e-3}, "x2": 15}',
       :'secret')) - 'sub' - 'exp' - 'iat' - 'tv' - 'role' AS nested_claims;
SELECT userservice.verify_token(pg_temp.sign(:'hs256',
       '{"sub": "999999999", ' || ltrim(pg_temp.claims(:'tom_id', 60), '{'), :'secret')) ->> 'sub' = :'tom_id' AS last_sub_counts;

-- Expired login tokens are refused the same way: a token that lived 1 s.
SET userservice.jwt_lifetime = 1;
SELECT access_token AS short_token FROM userservice.login('tokens-tom@example.com', 'tom-password-1') \gset
SET userservice.jwt_lifetime = 600;
SELECT pg_sleep(2.1);
SELECT answer, shows_secret FROM pg_temp.refusal(:'short_token');

-- A token is bound to its key: a new signing key leaves it good (the old
-- key verifies), retiring its key refuses it, with or without its kid.
SELECT length(userservice.create_signing_key('HS256', 'tokens-suite-rotated-secret-0123456789-xyz')) AS kid_length;
SELECT answer FROM pg_temp.refusal(:'tom_token');
SELECT userservice.retire_signing_key(:'suite_kid');
SELECT answer, shows_secret FROM pg_temp.refusal(:'tom_token');
SELECT answer FROM pg_temp.refusal(pg_temp.sign(:'hs256', pg_temp.claims(:'tom_id', 60), :'secret')) AS without_kid;
-- (the suite's secret again, as a new key, for the cases below)
SELECT userservice.create_signing_key('HS256', :'secret') AS suite_kid \gset
SELECT access_token AS tom_token FROM userservice.login('tokens-tom@example.com', 'tom-password-1') \gset

-- The kid in the header names the key: the right kid is accepted, an
-- unknown or retired one, or a kid that is no string, is refused.
SELECT userservice.verify_token(pg_temp.sign(format('{"alg":"HS256","kid":"%s"}', :'suite_kid'),
       pg_temp.claims(:'tom_id', 60), :'secret')) ->> 'sub' = :'tom_id' AS right_kid_accepted;
SELECT label, (pg_temp.refusal(token)).*
FROM (VALUES
    (1, 'unknown kid', pg_temp.sign('{"alg":"HS256","kid":"no-such-key"}', pg_temp.claims(:'tom_id', 60), :'secret')),
    (2, 'kid of another key', pg_temp.sign(format('{"alg":"HS256","kid":"%s"}', (SELECT kid FROM userservice.signing_keys WHERE state <> 'retired' AND kid <> :'suite_kid' LIMIT 1)),
                                           pg_temp.claims(:'tom_id', 60), :'secret')),
    (3, 'retired kid', pg_temp.sign(format('{"alg":"HS256","kid":"%s"}', (SELECT kid FROM userservice.signing_keys WHERE state = 'retired' LIMIT 1)),
                                    pg_temp.claims(:'tom_id', 60), :'secret')),
    (4, 'kid a number', pg_temp.sign('{"alg":"HS256","kid":7}', pg_temp.claims(:'tom_id', 60), :'secret')),
    (5, 'crit header', pg_temp.sign(format('{"alg":"HS256","kid":"%s","crit":["exp"]}', :'suite_kid'), pg_temp.claims(:'tom_id', 60), :'secret')),
    (6, 'exp a fraction', pg_temp.sign(:'hs256', pg_temp.claims(:'tom_id', NULL, NULL, '{"exp":4102444800.5}'), :'secret')),
    (7, 'iat a string', pg_temp.sign(:'hs256', pg_temp.claims(:'tom_id', 60, NULL, '{"iat":"now"}'), :'secret')),
    (8, 'nbf a string', pg_temp.sign(:'hs256', pg_temp.claims(:'tom_id', 60, NULL, '{"nbf":"now"}'), :'secret')),
    (9, 'exp in the year 10000', pg_temp.sign(:'hs256', pg_temp.claims(:'tom_id', NULL, NULL, '{"exp":253402300800}'), :'secret')),
    (10, 'no sub', pg_temp.sign(:'hs256', (pg_temp.claims(:'tom_id', 60)::jsonb - 'sub')::text, :'secret')),
    (11, 'revoked: tv behind', pg_temp.sign(:'hs256', pg_temp.claims(:'tom_id', 60, NULL, '{"tv":0}'), :'secret')),
    (12, 'user that does not exist', pg_temp.sign(:'hs256', pg_temp.claims('9223372036854775807', 60), :'secret')),
    (13, 'admin token of a user', pg_temp.sign(:'hs256', pg_temp.claims(:'tom_id', 60, NULL, '{"role":"userservice_admin"}'), :'secret'))
) AS v(n, label, token)
ORDER BY n;

----------------------------------------------------------------------
-- the audience
----------------------------------------------------------------------

SET userservice.jwt_audience = 'tokens-suite';
-- With jwt_audience set, a token needs aud equal to it.
SELECT label, (pg_temp.refusal(token)).*
FROM (VALUES
    (1, 'aud missing', pg_temp.sign(:'hs256', pg_temp.claims(:'tom_id', 60), :'secret')),
    (2, 'aud wrong', pg_temp.sign(:'hs256', pg_temp.claims(:'tom_id', 60, NULL, '{"aud":"another-api"}'), :'secret')),
    (3, 'aud a prefix', pg_temp.sign(:'hs256', pg_temp.claims(:'tom_id', 60, NULL, '{"aud":"tokens"}'), :'secret')),
    (4, 'aud right', pg_temp.sign(:'hs256', pg_temp.claims(:'tom_id', 60, NULL, '{"aud":"tokens-suite"}'), :'secret')),
    (5, 'login token issued before aud was set', :'tom_token')
) AS v(n, label, token)
ORDER BY n;
-- A login token issued now carries the audience and passes.
SELECT userservice.verify_token(access_token)->>'aud' AS aud
FROM userservice.login('tokens-tom@example.com', 'tom-password-1');
RESET userservice.jwt_audience;

----------------------------------------------------------------------
-- the role claim follows the user's role
----------------------------------------------------------------------

SELECT id AS ada_id FROM userservice.create_user('tokens-ada@example.com', 'ada-password-1', 'Ada') \gset
SELECT userservice.verify_token(access_token)->>'role' AS role_before
FROM userservice.login('tokens-ada@example.com', 'ada-password-1');
SELECT role FROM userservice.update_user(:ada_id, '{"role": "admin"}');
SELECT userservice.verify_token(access_token)->>'role' AS role_as_admin
FROM userservice.login('tokens-ada@example.com', 'ada-password-1');
SELECT role FROM userservice.update_user(:ada_id, '{"role": "user"}');
SELECT userservice.verify_token(access_token)->>'role' AS role_after_demotion
FROM userservice.login('tokens-ada@example.com', 'ada-password-1');

DROP SCHEMA tokens_test CASCADE;
