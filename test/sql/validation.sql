-- validation: every input rule of create_user at its boundaries. Lengths are
-- characters (code points), not bytes. Every refusal is 22023 naming the
-- field, and writes nothing: the row count is checked after each group.
-- Accounts created here use domains under validation.test.
\set VERBOSITY default

SELECT count(*) AS n0 FROM userservice.users \gset
-- Accepted creations so far in this file; the count must always be n0 + accepted.
\set accepted 0

------------------------------------------------------------------------------
-- password: 8..128 characters
------------------------------------------------------------------------------

-- 7 characters: too short.
SELECT * FROM userservice.create_user('pw7@validation.test', repeat('p', 7), 'Pw');
\echo :LAST_ERROR_SQLSTATE
-- 8 characters: the minimum, accepted.
SELECT email FROM userservice.create_user('pw8@validation.test', repeat('p', 8), 'Pw');
\set accepted 1
-- 128 characters: the maximum, accepted.
SELECT email FROM userservice.create_user('pw128@validation.test', repeat('p', 128), 'Pw');
\set accepted 2
-- 129 characters: too long (never truncated to 128).
SELECT * FROM userservice.create_user('pw129@validation.test', repeat('p', 129), 'Pw');
\echo :LAST_ERROR_SQLSTATE
-- Empty password: too short.
SELECT * FROM userservice.create_user('pw0@validation.test', '', 'Pw');
\echo :LAST_ERROR_SQLSTATE
-- 7 two-byte characters are 14 bytes but 7 characters: too short.
SELECT octet_length(repeat('é', 7)) AS bytes, char_length(repeat('é', 7)) AS chars;
SELECT * FROM userservice.create_user('pw7e@validation.test', repeat('é', 7), 'Pw');
\echo :LAST_ERROR_SQLSTATE
-- 8 two-byte characters: 8 characters, accepted.
SELECT email FROM userservice.create_user('pw8e@validation.test', repeat('é', 8), 'Pw');
\set accepted 3
-- 7 four-byte characters (28 bytes) are still 7 characters: too short.
SELECT * FROM userservice.create_user('pw7emoji@validation.test', repeat(U&'\+01F600', 7), 'Pw');
\echo :LAST_ERROR_SQLSTATE
-- 8 four-byte characters: accepted.
SELECT email FROM userservice.create_user('pw8emoji@validation.test', repeat(U&'\+01F600', 8), 'Pw');
\set accepted 4
-- 128 two-byte characters (256 bytes): accepted, the limit is in characters.
SELECT email FROM userservice.create_user('pw128e@validation.test', repeat('é', 128), 'Pw');
\set accepted 5
-- 129 two-byte characters: too long.
SELECT * FROM userservice.create_user('pw129e@validation.test', repeat('é', 129), 'Pw');
\echo :LAST_ERROR_SQLSTATE
-- Any Unicode is allowed in a password, spaces and tabs included.
SELECT email FROM userservice.create_user('pwspace@validation.test', E'  pass\tw ord  ', 'Pw');
\set accepted 6
-- Nothing refused above was written.
SELECT count(*) - :n0 - :accepted AS unexpected_rows FROM userservice.users;
SELECT count(*) AS refused_rows FROM userservice.users
 WHERE email IN ('pw7@validation.test', 'pw129@validation.test', 'pw0@validation.test',
                 'pw7e@validation.test', 'pw7emoji@validation.test', 'pw129e@validation.test');

------------------------------------------------------------------------------
-- email: <= 254 characters, one @, local part 1..64, dotted domain, no
-- spaces or control characters
------------------------------------------------------------------------------

-- 254 characters (64 + 1 + 189): the maximum, accepted.
SELECT char_length(email) AS chars
  FROM userservice.create_user(repeat('a', 64) || '@' || repeat('d', 173) || '.validation.test', 'password123', 'Long');
\set accepted 7
-- 255 characters: too long.
SELECT char_length(repeat('a', 64) || '@' || repeat('d', 174) || '.validation.test') AS chars;
SELECT * FROM userservice.create_user(repeat('a', 64) || '@' || repeat('d', 174) || '.validation.test', 'password123', 'Long');
\echo :LAST_ERROR_SQLSTATE
-- 254 characters of which many are two-byte: the limit is in characters.
SELECT char_length(email) AS chars, octet_length(email) AS bytes
  FROM userservice.create_user(repeat('é', 64) || '@' || repeat('ü', 173) || '.validation.test', 'password123', 'Long');
\set accepted 8
-- 255 such characters: too long.
SELECT * FROM userservice.create_user(repeat('é', 64) || '@' || repeat('ü', 174) || '.validation.test', 'password123', 'Long');
\echo :LAST_ERROR_SQLSTATE
-- Local part of 64 characters: accepted.
SELECT char_length(split_part(email, '@', 1)) AS local_chars
  FROM userservice.create_user(repeat('b', 64) || '@validation.test', 'password123', 'Local');
\set accepted 9
-- Local part of 65 characters: refused.
SELECT * FROM userservice.create_user(repeat('b', 65) || '@validation.test', 'password123', 'Local');
\echo :LAST_ERROR_SQLSTATE
-- Local part of 64 two-byte characters (128 bytes): accepted.
SELECT char_length(split_part(email, '@', 1)) AS local_chars
  FROM userservice.create_user(repeat('ö', 64) || '@validation.test', 'password123', 'Local');
\set accepted 10
-- Local part of 65 two-byte characters: refused.
SELECT * FROM userservice.create_user(repeat('ö', 65) || '@validation.test', 'password123', 'Local');
\echo :LAST_ERROR_SQLSTATE
-- Local part of one character: the minimum, accepted.
SELECT email FROM userservice.create_user('c@validation.test', 'password123', 'C');
\set accepted 11
-- Empty email.
SELECT * FROM userservice.create_user('', 'password123', 'Empty');
\echo :LAST_ERROR_SQLSTATE
-- No @.
SELECT * FROM userservice.create_user('no-at.validation.test', 'password123', 'No At');
\echo :LAST_ERROR_SQLSTATE
-- Two @.
SELECT * FROM userservice.create_user('two@at@validation.test', 'password123', 'Two At');
\echo :LAST_ERROR_SQLSTATE
-- Empty local part.
SELECT * FROM userservice.create_user('@validation.test', 'password123', 'No Local');
\echo :LAST_ERROR_SQLSTATE
-- Domain without a dot.
SELECT * FROM userservice.create_user('nodot@localhost', 'password123', 'No Dot');
\echo :LAST_ERROR_SQLSTATE
-- Empty domain.
SELECT * FROM userservice.create_user('nodomain@', 'password123', 'No Domain');
\echo :LAST_ERROR_SQLSTATE
-- Domain that starts with a dot.
SELECT * FROM userservice.create_user('lead@.validation.test', 'password123', 'Lead Dot');
\echo :LAST_ERROR_SQLSTATE
-- Domain that ends with a dot.
SELECT * FROM userservice.create_user('trail@validation.test.', 'password123', 'Trail Dot');
\echo :LAST_ERROR_SQLSTATE
-- Domain with two dots in a row.
SELECT * FROM userservice.create_user('double@validation..test', 'password123', 'Double Dot');
\echo :LAST_ERROR_SQLSTATE
-- A domain that is only a dot.
SELECT * FROM userservice.create_user('onlydot@.', 'password123', 'Only Dot');
\echo :LAST_ERROR_SQLSTATE
-- A space inside.
SELECT * FROM userservice.create_user('sp ace@validation.test', 'password123', 'Space');
\echo :LAST_ERROR_SQLSTATE
-- A leading space and a trailing space (no trimming).
SELECT * FROM userservice.create_user(' lead.space@validation.test', 'password123', 'Space');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.create_user('trail.space@validation.test ', 'password123', 'Space');
\echo :LAST_ERROR_SQLSTATE
-- A tab (a control character).
SELECT * FROM userservice.create_user(E'ta\tb@validation.test', 'password123', 'Tab');
\echo :LAST_ERROR_SQLSTATE
-- A newline at the end.
SELECT * FROM userservice.create_user(E'newline@validation.test\n', 'password123', 'Newline');
\echo :LAST_ERROR_SQLSTATE
-- Control characters U+0001, U+007F (DEL) and U+0085 (a C1 control).
SELECT * FROM userservice.create_user('ctl' || chr(1) || '@validation.test', 'password123', 'Ctl');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.create_user('del' || chr(127) || '@validation.test', 'password123', 'Del');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.create_user('nel' || chr(133) || '@validation.test', 'password123', 'Nel');
\echo :LAST_ERROR_SQLSTATE
-- A non-breaking space (U+00A0) and an ideographic space (U+3000) are spaces.
SELECT * FROM userservice.create_user('nb' || chr(160) || 'sp@validation.test', 'password123', 'Nbsp');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.create_user('ideo' || chr(12288) || '@validation.test', 'password123', 'Ideo');
\echo :LAST_ERROR_SQLSTATE
-- Nothing refused above was written.
SELECT count(*) - :n0 - :accepted AS unexpected_rows FROM userservice.users;

------------------------------------------------------------------------------
-- display_name: 1..100 characters, not blank, no control characters
------------------------------------------------------------------------------

-- Empty.
SELECT * FROM userservice.create_user('dn.empty@validation.test', 'password123', '');
\echo :LAST_ERROR_SQLSTATE
-- Blank: spaces only.
SELECT * FROM userservice.create_user('dn.blank@validation.test', 'password123', '   ');
\echo :LAST_ERROR_SQLSTATE
-- Blank: a single space.
SELECT * FROM userservice.create_user('dn.space@validation.test', 'password123', ' ');
\echo :LAST_ERROR_SQLSTATE
-- Blank: non-breaking spaces only.
SELECT * FROM userservice.create_user('dn.nbsp@validation.test', 'password123', repeat(chr(160), 3));
\echo :LAST_ERROR_SQLSTATE
-- 1 character: the minimum, accepted.
SELECT display_name FROM userservice.create_user('dn1@validation.test', 'password123', 'X');
\set accepted 12
-- 100 characters: the maximum, accepted.
SELECT char_length(display_name) AS chars
  FROM userservice.create_user('dn100@validation.test', 'password123', repeat('n', 100));
\set accepted 13
-- 101 characters: too long.
SELECT * FROM userservice.create_user('dn101@validation.test', 'password123', repeat('n', 101));
\echo :LAST_ERROR_SQLSTATE
-- 100 two-byte characters (200 bytes): accepted.
SELECT char_length(display_name) AS chars, octet_length(display_name) AS bytes
  FROM userservice.create_user('dn100e@validation.test', 'password123', repeat('é', 100));
\set accepted 14
-- 101 two-byte characters: too long.
SELECT * FROM userservice.create_user('dn101e@validation.test', 'password123', repeat('é', 101));
\echo :LAST_ERROR_SQLSTATE
-- Multi-byte names of every width are kept as given.
SELECT display_name FROM userservice.create_user('dn.utf8@validation.test', 'password123', 'Zoë 山田 ' || U&'\+01F600');
\set accepted 15
-- Inner spaces are fine: only an all-blank name is refused.
SELECT display_name FROM userservice.create_user('dn.inner@validation.test', 'password123', 'Mary Ann Lee');
\set accepted 16
-- Control characters: tab, newline, U+0001, DEL, U+0085.
SELECT * FROM userservice.create_user('dn.tab@validation.test', 'password123', E'Ann\tLee');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.create_user('dn.nl@validation.test', 'password123', E'Ann\nLee');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.create_user('dn.ctl@validation.test', 'password123', 'Ann' || chr(1));
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.create_user('dn.del@validation.test', 'password123', 'Ann' || chr(127));
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.create_user('dn.nel@validation.test', 'password123', 'Ann' || chr(133));
\echo :LAST_ERROR_SQLSTATE
-- Nothing refused above was written.
SELECT count(*) - :n0 - :accepted AS unexpected_rows FROM userservice.users;

------------------------------------------------------------------------------
-- Order of checks: with several bad fields the first one named is email, then
-- password, then display_name.
------------------------------------------------------------------------------
SELECT * FROM userservice.create_user('bad', 'short', '');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.create_user('order@validation.test', 'short', '');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.create_user('order@validation.test', 'password123', '');
\echo :LAST_ERROR_SQLSTATE

------------------------------------------------------------------------------
-- Invisible characters: zero-width and direction-control characters make
-- look-alike emails, so emails refuse them; a display_name of nothing but
-- invisible characters is blank.
------------------------------------------------------------------------------
SELECT * FROM userservice.create_user(U&'zero\200Bwidth@validation.test', 'password123', 'Zero');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.create_user(U&'rtl\202Eoverride@validation.test', 'password123', 'Rtl');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.create_user(U&'soft\00ADhyphen@validation.test', 'password123', 'Soft');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.create_user('zwj@validation.test', 'password123', U&'\200D\200D');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM userservice.create_user('zwj@validation.test', 'password123', U&'\FEFF \2060');
\echo :LAST_ERROR_SQLSTATE
-- ...but an invisible character next to visible ones is kept (emoji sequences use ZWJ).
SELECT display_name = U&'A\200DB' AS kept FROM userservice.create_user('zwj@validation.test', 'password123', U&'A\200DB');
SELECT userservice.delete_user(id) FROM userservice.get_user_by_email('zwj@validation.test');


------------------------------------------------------------------------------
-- Look-alikes the review found (1.3): each was a second account in 1.2.
------------------------------------------------------------------------------
\i test/sql/helpers.psql
-- The invisible characters the hand-written list missed, by ICU's properties.
SELECT label, pg_temp.error_of(format('SELECT userservice.create_user(%L, %L, %L)', e, 'password123', 'Look')) AS outcome
FROM (VALUES (1, 'U+034F combining grapheme joiner', U&'ad\034Fmin@validation.test'),
             (2, 'U+061C arabic letter mark', U&'ad\061Cmin@validation.test'),
             (3, 'U+180E mongolian vowel separator', U&'ad\180Emin@validation.test'),
             (4, 'U+FE0F variation selector 16', U&'ad\FE0Fmin@validation.test'),
             (5, 'U+E0041 tag latin capital a', U&'ad\+0E0041min@validation.test'),
             (6, 'fullwidth admin (changes under NFKC)', U&'\FF41\FF44\FF4D\FF49\FF4E@validation.test'),
             (7, 'Cyrillic a in a Latin word (mixed script)', U&'\0430dmin@validation.test')) v(n, label, e)
ORDER BY n;
-- NFC and NFD spellings of one email are one account: the second is 23505,
-- and the stored email is NFC whichever spelling came first.
SELECT email = U&'\00E9mile@validation.test' AS stored_nfc
  FROM userservice.create_user(U&'e\0301mile@validation.test', 'password123', 'Emile');
SELECT pg_temp.error_of(format('SELECT userservice.create_user(%L, %L, %L)', U&'\00E9mile@validation.test', 'password123', 'Emile 2')) AS nfc_twin;
SELECT id IS NOT NULL AS found_by_nfd FROM userservice.get_user_by_email(U&'E\0301MILE@validation.test');
SELECT userservice.delete_user(id) FROM userservice.get_user_by_email(U&'\00E9mile@validation.test');
-- A script of its own in the local part is fine; so are non-Latin domains.
SELECT email FROM userservice.create_user(U&'\043F\0440\0438\043C\0435\0440@validation.test', 'password123', 'Primer');
SELECT userservice.delete_user(id) FROM userservice.get_user_by_email(U&'\043F\0440\0438\043C\0435\0440@validation.test');
-- Names made only of fillers that render as nothing are blank.
SELECT label, pg_temp.error_of(format('SELECT userservice.create_user(%L, %L, %L)', 'filler@validation.test', 'password123', nm)) AS outcome
FROM (VALUES (1, 'U+3164 hangul filler', U&'\3164\3164'),
             (2, 'U+2800 braille pattern blank', U&'\2800'),
             (3, 'U+115F U+1160 hangul choseong and jungseong fillers', U&'\115F\1160')) v(n, label, nm)
ORDER BY n;

-- Net effect of this file: exactly the accepted accounts.
SELECT count(*) - :n0 AS rows_added, :accepted AS accepted FROM userservice.users;
