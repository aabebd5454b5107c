-- posts: create_post, get_post, update_post, delete_post: happy paths, every
-- validation boundary, patch semantics, not found, NULL arguments, who may
-- write what (SET ROLE), deletion with the author, and all-or-nothing calls.
-- Every account here is posts-*@example.com. Ids are never printed: they
-- depend on the files that ran before this one.
\set VERBOSITY default

\i test/sql/helpers.psql

-- Three accounts: ann and bob write posts, cat is made an administrator.
SELECT email FROM userservice.create_user('posts-ann@example.com', 'correct horse battery', 'Ann');
SELECT email FROM userservice.create_user('posts-bob@example.com', 'correct horse battery', 'Bob');
SELECT email FROM userservice.create_user('posts-cat@example.com', 'correct horse battery', 'Cat');
SELECT id AS ann FROM userservice.users WHERE email = 'posts-ann@example.com' \gset
SELECT id AS bob FROM userservice.users WHERE email = 'posts-bob@example.com' \gset
SELECT id AS cat FROM userservice.users WHERE email = 'posts-cat@example.com' \gset
SELECT role FROM userservice.update_user(:cat, '{"role": "admin"}');
-- cat's claims as an admin token carries them (the role change bumped tv).
SELECT json_build_object('sub', id::text, 'tv', token_version, 'exp', 4102444800)::text AS cat_claims
  FROM userservice.users WHERE id = :cat \gset
-- The names error_of replaces in DETAILs.
SELECT format('{"ann": %s, "bob": %s, "cat": %s}', :ann, :bob, :cat) AS names \gset

------------------------------------------------------------------------------
-- create_post and get_post: the happy path.
------------------------------------------------------------------------------

-- create_post returns the post: the author, title and body as given, a new
-- id, created_at = updated_at, both set by the database in this transaction.
BEGIN;
SELECT author_id = :ann AS by_ann, title, body, id > 0 AS has_id,
       created_at = updated_at AS fresh, created_at = now() AS created_now
  FROM userservice.create_post(:ann, 'Hello', 'First post.');
COMMIT;
SELECT max(id) AS p1 FROM userservice.posts WHERE author_id = :ann \gset
-- body defaults to the empty string.
SELECT title, body = '' AS empty_body FROM userservice.create_post(:ann, 'No body');
SELECT max(id) AS p2 FROM userservice.posts WHERE author_id = :ann \gset
-- Each post gets a new, larger id.
SELECT :p2 > :p1 AS ids_grow;
-- get_post returns exactly the stored row.
SELECT g.id = :p1 AS same_id, g.author_id = :ann AS by_ann, g.title, g.body,
       g.created_at = p.created_at AND g.updated_at = p.updated_at AS same_times
  FROM userservice.get_post(:p1) g, userservice.posts p WHERE p.id = :p1;
-- The result columns, in order: what PostgREST shows.
SELECT attname, format_type(atttypid, atttypmod) AS type
  FROM pg_attribute WHERE attrelid = 'userservice.post'::regclass AND attnum > 0
 ORDER BY attnum;
-- Named arguments (as PostgREST calls it), body omitted.
SELECT title, body FROM userservice.create_post(author_id => :ann, title => 'Named');
-- Title and body are stored as given: no trimming, letter case kept.
SELECT title = '  Spaced Title  ' AS kept, body = E'  body\n' AS body_kept
  FROM userservice.create_post(:ann, '  Spaced Title  ', E'  body\n');

------------------------------------------------------------------------------
-- title: 1 to 200 characters (code points, not bytes), not blank, no control
-- characters.
------------------------------------------------------------------------------

SELECT count(*) AS posts_before FROM userservice.posts \gset
-- 200 characters: accepted.
SELECT char_length(title) AS title_chars FROM userservice.create_post(:ann, repeat('t', 200));
-- 201 characters: 22023 naming title.
SELECT userservice.create_post(:ann, repeat('t', 201));
\echo :LAST_ERROR_SQLSTATE
-- 200 two-byte, three-byte and four-byte characters (400, 600, 800 bytes): accepted.
SELECT char_length(title) AS title_chars, octet_length(title) AS title_bytes
  FROM userservice.create_post(:ann, repeat('é', 200));
SELECT char_length(title) AS title_chars, octet_length(title) AS title_bytes
  FROM userservice.create_post(:ann, repeat('€', 200));
SELECT char_length(title) AS title_chars, octet_length(title) AS title_bytes
  FROM userservice.create_post(:ann, repeat('😀', 200));
-- 201 of them: refused, whatever the byte count.
SELECT userservice.create_post(:ann, repeat('é', 201));
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.create_post(:ann, repeat('😀', 201));
\echo :LAST_ERROR_SQLSTATE
-- One character: accepted (the lower bound).
SELECT title FROM userservice.create_post(:ann, 'x');
-- Empty: 22023 "must not be empty".
SELECT userservice.create_post(:ann, '');
\echo :LAST_ERROR_SQLSTATE
-- Blank (spaces only, a no-break space, an ideographic space): 22023 "must not be blank".
SELECT userservice.create_post(:ann, '   ');
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.create_post(:ann, U&'\00A0');
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.create_post(:ann, U&'\3000 ');
\echo :LAST_ERROR_SQLSTATE
-- Zero-width and invisible characters only (zero-width space, zero-width
-- joiner, word joiner, soft hyphen): blank too.
SELECT userservice.create_post(:ann, U&'\200B\200B');
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.create_post(:ann, U&'\200D\2060\00AD');
\echo :LAST_ERROR_SQLSTATE
-- Control characters, even those a body may hold (tab, line feed, carriage
-- return), DEL and the C1 range: 22023.
SELECT userservice.create_post(:ann, E'a\tb');
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.create_post(:ann, E'two\nlines');
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.create_post(:ann, E'a\rb');
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.create_post(:ann, E'bell\x07');
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.create_post(:ann, E'del\x7f');
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.create_post(:ann, U&'next\0085line');
\echo :LAST_ERROR_SQLSTATE
-- A title of 201 control characters is reported once, for the first problem found.
SELECT userservice.create_post(:ann, repeat(E'\x01', 201));
\echo :LAST_ERROR_SQLSTATE
-- Non-ASCII letters and symbols are fine.
SELECT title FROM userservice.create_post(:ann, 'Ünïcødé — 日本語 ✓');
-- Of the calls above, exactly the six accepted ones wrote a row.
SELECT count(*) - :posts_before AS new_posts FROM userservice.posts;

------------------------------------------------------------------------------
-- body: 0 to 100000 characters; tab, line feed and carriage return allowed,
-- other control characters not.
------------------------------------------------------------------------------

SELECT count(*) AS posts_before FROM userservice.posts \gset
-- 100000 characters: accepted; 100000 two-byte characters too.
SELECT char_length(body) AS body_chars FROM userservice.create_post(:ann, 'Long', repeat('b', 100000));
SELECT char_length(body) AS body_chars, octet_length(body) AS body_bytes
  FROM userservice.create_post(:ann, 'Long', repeat('é', 100000));
-- 100001: 22023 naming body.
SELECT userservice.create_post(:ann, 'Long', repeat('b', 100001));
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.create_post(:ann, 'Long', repeat('é', 100001));
\echo :LAST_ERROR_SQLSTATE
-- Line breaks and tabs are allowed, and kept.
SELECT body = E'line one\nline two\r\n\tindented' AS kept
  FROM userservice.create_post(:ann, 'Lines', E'line one\nline two\r\n\tindented');
-- A body of only white space is fine (no "blank" rule for a body).
SELECT body FROM userservice.create_post(:ann, 'Spaces', '   ');
-- Other control characters: 22023.
SELECT userservice.create_post(:ann, 'Bell', E'ring\x07');
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.create_post(:ann, 'Escape', E'\x1b[31mred');
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.create_post(:ann, 'C1', U&'a\009Bb');
\echo :LAST_ERROR_SQLSTATE
-- The title is checked before the body: a bad title and a bad body name the title.
SELECT userservice.create_post(:ann, '', repeat('b', 100001));
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) - :posts_before AS new_posts FROM userservice.posts;

------------------------------------------------------------------------------
-- NULL arguments: 22023 naming the argument; a body given as NULL is not the
-- default.
------------------------------------------------------------------------------

SELECT userservice.create_post(NULL, 'Title');
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.create_post(:ann, NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.create_post(:ann, 'Title', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.get_post(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.update_post(NULL, '{"title": "x"}');
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.update_post(:p1, NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.delete_post(NULL);
\echo :LAST_ERROR_SQLSTATE

------------------------------------------------------------------------------
-- Not found: PT404, for the post or for the author.
------------------------------------------------------------------------------

SELECT userservice.get_post(-1);
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.get_post(0);
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.update_post(-1, '{"title": "x"}');
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.delete_post(-1);
\echo :LAST_ERROR_SQLSTATE
-- No such author: PT404 "user not found", not a foreign key error.
SELECT userservice.create_post(-1, 'Orphan');
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.create_post(0, 'Orphan');
\echo :LAST_ERROR_SQLSTATE
-- A deleted user is not found either.
SELECT id AS gone FROM userservice.create_user('posts-gone@example.com', 'correct horse battery', 'Gone') \gset
SELECT pg_typeof(userservice.delete_user(:gone)) AS deleted;
SELECT pg_temp.error_of(format('SELECT userservice.create_post(%s, %L)', :gone, 'Too late'),
                        jsonb_build_object('gone', :gone)) AS create_for_deleted_user;

------------------------------------------------------------------------------
-- update_post: patch semantics (the same rules as update_user).
------------------------------------------------------------------------------

SELECT id AS pp FROM userservice.create_post(:ann, 'Patch me', 'Original body') \gset
SELECT created_at AS pp_created, updated_at AS pp_updated FROM userservice.posts WHERE id = :pp \gset
-- An empty patch changes nothing: same row, updated_at stays.
SELECT title, body, updated_at = :'pp_updated' AS updated_at_kept
  FROM userservice.update_post(:pp, '{}');
-- A patch that sets the current values is no real change either.
SELECT title, body, updated_at = :'pp_updated' AS updated_at_kept
  FROM userservice.update_post(:pp, '{"title": "Patch me", "body": "Original body"}');
SELECT updated_at = :'pp_updated' AS stored_updated_at_kept FROM userservice.posts WHERE id = :pp;
-- title only: body stays; updated_at moves, created_at never.
SELECT title, body, updated_at > :'pp_updated' AS updated_at_moved,
       created_at = :'pp_created' AS created_at_kept, author_id = :ann AS same_author
  FROM userservice.update_post(:pp, '{"title": "Patched title"}');
SELECT updated_at AS pp_updated FROM userservice.posts WHERE id = :pp \gset
-- body only: title stays.
SELECT title, body, updated_at > :'pp_updated' AS updated_at_moved
  FROM userservice.update_post(:pp, '{"body": "New body"}');
-- both at once, with a line break in the body.
SELECT title, body = E'Both\nchanged' AS body_set
  FROM userservice.update_post(:pp, '{"title": "Both", "body": "Both\nchanged"}');
-- body may be patched to the empty string.
SELECT title, body = '' AS body_empty FROM userservice.update_post(:pp, '{"body": ""}');
-- The stored row is what update_post returned.
SELECT title, body = '' AS body_empty FROM userservice.get_post(:pp);
SELECT title AS pp_title, updated_at AS pp_updated FROM userservice.posts WHERE id = :pp \gset
-- A real change moves updated_at even inside the transaction that created
-- the post (the time of the change, not of the transaction's start).
BEGIN;
SELECT id AS pt FROM userservice.create_post(:ann, 'Created and patched') \gset
SELECT title, updated_at > created_at AS updated_at_moved
  FROM userservice.update_post(:pt, '{"title": "Patched in the same transaction"}');
ROLLBACK;

-- Refused patches: 22023 naming the key; nothing changes.
-- Unknown keys, including the columns that cannot be patched.
SELECT userservice.update_post(:pp, '{"author_id": 1}');
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.update_post(:pp, '{"id": 1}');
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.update_post(:pp, '{"created_at": "2000-01-01"}');
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.update_post(:pp, '{"Title": "x"}');
\echo :LAST_ERROR_SQLSTATE
-- null for a field that cannot be null.
SELECT userservice.update_post(:pp, '{"title": null}');
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.update_post(:pp, '{"body": null}');
\echo :LAST_ERROR_SQLSTATE
-- Wrong JSON types.
SELECT userservice.update_post(:pp, '{"title": 5}');
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.update_post(:pp, '{"body": true}');
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.update_post(:pp, '{"title": ["x"]}');
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.update_post(:pp, '{"body": {"text": "x"}}');
\echo :LAST_ERROR_SQLSTATE
-- A patch that is not an object.
SELECT userservice.update_post(:pp, '[]');
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.update_post(:pp, '"title"');
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.update_post(:pp, '5');
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.update_post(:pp, 'null');
\echo :LAST_ERROR_SQLSTATE
-- Invalid values: the same rules as create_post.
SELECT userservice.update_post(:pp, '{"title": ""}');
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.update_post(:pp, '{"title": "  "}');
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.update_post(:pp, jsonb_build_object('title', repeat('t', 201)));
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.update_post(:pp, '{"title": "a\nb"}');
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.update_post(:pp, jsonb_build_object('body', repeat('b', 100001)));
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.update_post(:pp, '{"body": "nul\u0001"}');
\echo :LAST_ERROR_SQLSTATE
-- A valid key next to a bad one: nothing is applied.
SELECT userservice.update_post(:pp, '{"title": "Half applied?", "colour": "red"}');
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.update_post(:pp, jsonb_build_object('title', 'Half applied?', 'body', repeat('b', 100001)));
\echo :LAST_ERROR_SQLSTATE
-- After all of these the post is as it was.
SELECT title = :'pp_title' AS title_kept, body = '' AS body_kept,
       updated_at = :'pp_updated' AS updated_at_kept
  FROM userservice.posts WHERE id = :pp;
-- Boundaries through a patch: 200 characters and 100000 characters are accepted.
SELECT char_length(title) AS title_chars, char_length(body) AS body_chars
  FROM userservice.update_post(:pp, jsonb_build_object('title', repeat('é', 200), 'body', repeat('b', 100000)));

------------------------------------------------------------------------------
-- delete_post
------------------------------------------------------------------------------

SELECT id AS pd FROM userservice.create_post(:ann, 'Delete me') \gset
-- Returns void (PostgREST answers 204), and the post is gone.
SELECT pg_typeof(userservice.delete_post(:pd)) AS returns;
SELECT count(*) AS rows_left FROM userservice.posts WHERE id = :pd;
-- A second delete, a get and a patch of the deleted post: PT404 naming the id.
SELECT pg_temp.error_of(format('SELECT userservice.delete_post(%s)', :pd), jsonb_build_object('pd', :pd)) AS delete_again;
SELECT pg_temp.error_of(format('SELECT userservice.get_post(%s)', :pd), jsonb_build_object('pd', :pd)) AS get_deleted;
SELECT pg_temp.error_of(format('SELECT userservice.update_post(%s, %L)', :pd, '{"title": "x"}'),
                        jsonb_build_object('pd', :pd)) AS patch_deleted;
-- Deleting one post leaves the author's other posts alone.
SELECT count(*) > 0 AS others_kept FROM userservice.posts WHERE author_id = :ann;

------------------------------------------------------------------------------
-- Who may do what.
------------------------------------------------------------------------------

SELECT id AS bp FROM userservice.create_post(:bob, 'Bob writes', 'Bob''s body') \gset
SELECT count(*) AS posts_before FROM userservice.posts \gset

-- A signed-in user (role userservice_user, sub = ann) writes their own posts ...
SET ROLE userservice_user;
SELECT set_config('request.jwt.claims', format('{"sub": "%s", "tv": 1, "exp": 4102444800}', :ann), false) IS NOT NULL AS signed_in_as_ann;
SELECT id AS ap FROM userservice.create_post(:ann, 'Ann as user') \gset
SELECT title, author_id = :ann AS by_ann FROM userservice.get_post(:ap);
SELECT title FROM userservice.update_post(:ap, '{"title": "Ann edits her post"}');
-- ... reads anyone's posts ...
SELECT title, author_id = :bob AS by_bob FROM userservice.get_post(:bp);
SELECT count(*) > 0 AS sees_bobs_posts FROM userservice.list_posts(:bob);
-- ... but may not write as someone else, nor touch their posts: 42501.
SELECT pg_temp.error_of(format('SELECT userservice.create_post(%s, %L)', :bob, 'As Bob'), :'names') AS create_as_bob;
SELECT pg_temp.error_of(format('SELECT userservice.update_post(%s, %L)', :bp, '{"title": "Hijacked"}'), :'names') AS patch_bobs_post;
SELECT pg_temp.error_of(format('SELECT userservice.update_post(%s, %L)', :bp, '{}'), :'names') AS empty_patch_bobs_post;
SELECT pg_temp.error_of(format('SELECT userservice.delete_post(%s)', :bp), :'names') AS delete_bobs_post;
-- Without a sub claim the user is nobody: 42501 even for a post of their own.
SELECT set_config('request.jwt.claims', '{"tv": 1, "exp": 4102444800}', false) IS NOT NULL AS no_sub;
SELECT pg_temp.error_of(format('SELECT userservice.create_post(%s, %L)', :ann, 'Nobody'), :'names') AS create_without_sub;
SELECT pg_temp.error_of(format('SELECT userservice.delete_post(%s)', :ap), :'names') AS delete_without_sub;
-- Claims that are not JSON: 28000.
SELECT set_config('request.jwt.claims', 'not json', false) IS NOT NULL AS garbage_claims;
SELECT userservice.create_post(:ann, 'Garbage');
\echo :LAST_ERROR_SQLSTATE
-- Claims set for the transaction only (as PostgREST does): bob deletes his post.
BEGIN;
SELECT set_config('request.jwt.claims', format('{"sub": "%s", "tv": 1, "exp": 4102444800}', :bob), true) IS NOT NULL AS signed_in_as_bob;
SELECT pg_typeof(userservice.delete_post(:bp)) AS bob_deleted_his_post;
ROLLBACK;
-- The tables themselves are closed to the web roles.
SELECT count(*) FROM userservice.posts;
\echo :LAST_ERROR_SQLSTATE
-- A user cannot list users with their posts (admin only).
SELECT count(*) FROM userservice.list_users_with_posts();
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT set_config('request.jwt.claims', '', false) AS claims_cleared;
-- Of all that, only ann's own post was written; bob's post is untouched.
SELECT count(*) - :posts_before AS new_posts FROM userservice.posts;
SELECT title, body FROM userservice.posts WHERE id = :bp;
SELECT title FROM userservice.posts WHERE id = :ap;

-- An anonymous caller (userservice_anon) may call no post function: 42501.
SET ROLE userservice_anon;
SELECT userservice.create_post(:ann, 'Anon');
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.get_post(:bp);
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.update_post(:bp, '{"title": "Anon"}');
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.delete_post(:bp);
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM userservice.list_posts(:bob);
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM userservice.list_users_with_posts();
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM userservice.posts;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

-- An administrator (userservice_admin, with an admin's claims) writes anyone's posts.
SELECT set_config('request.jwt.claims', :'cat_claims', false) IS NOT NULL AS signed_in_as_cat;
SET ROLE userservice_admin;
SELECT id AS abp FROM userservice.create_post(:bob, 'Admin for Bob') \gset
SELECT title, author_id = :bob AS by_bob FROM userservice.get_post(:abp);
SELECT title FROM userservice.update_post(:bp, '{"title": "Edited by an admin"}');
SELECT pg_typeof(userservice.delete_post(:abp)) AS admin_deleted;
SELECT count(*) FROM userservice.list_users_with_posts(1);
RESET ROLE;
SELECT set_config('request.jwt.claims', '', false) AS claims_cleared;
SELECT title FROM userservice.posts WHERE id = :bp;
SELECT count(*) AS rows_left FROM userservice.posts WHERE id = :abp;

------------------------------------------------------------------------------
-- A failed call leaves nothing behind; an error rolls back the caller's
-- whole transaction.
------------------------------------------------------------------------------

SELECT count(*) AS posts_before FROM userservice.posts \gset
SELECT userservice.create_post(:ann, repeat('t', 201));
\echo :LAST_ERROR_SQLSTATE
SELECT userservice.create_post(-1, 'Nobody');
\echo :LAST_ERROR_SQLSTATE
-- A set of creates in one statement, the last of which fails: none stays.
SELECT userservice.create_post(:ann, t) FROM (VALUES ('one'), ('two'), ('')) v(t);
\echo :LAST_ERROR_SQLSTATE
-- A good create, then a failing one in the same transaction: both are gone.
BEGIN;
SELECT title FROM userservice.create_post(:ann, 'Rolled back');
SELECT userservice.create_post(:ann, '');
ROLLBACK;
SELECT count(*) - :posts_before AS new_posts FROM userservice.posts;
SELECT count(*) AS rolled_back_rows FROM userservice.posts WHERE title = 'Rolled back';

------------------------------------------------------------------------------
-- Deleting a user deletes their posts (ON DELETE CASCADE).
------------------------------------------------------------------------------

SELECT count(*) > 0 AS bob_has_posts FROM userservice.posts WHERE author_id = :bob;
SELECT count(*) AS ann_posts FROM userservice.posts WHERE author_id = :ann \gset
SELECT pg_typeof(userservice.delete_user(:bob)) AS bob_deleted;
SELECT count(*) AS bob_posts_left FROM userservice.posts WHERE author_id = :bob;
SELECT pg_temp.error_of(format('SELECT userservice.get_post(%s)', :bp), jsonb_build_object('bp', :bp)) AS get_bobs_post;
SELECT count(*) FROM userservice.list_posts(:bob);
-- Ann's posts are untouched.
SELECT count(*) = :ann_posts AS ann_posts_kept FROM userservice.posts WHERE author_id = :ann;

------------------------------------------------------------------------------
-- Catalog facts: reads are STABLE (PostgREST serves them on GET), writes
-- VOLATILE; every function is SECURITY DEFINER with a pinned search_path;
-- the constraints are named by the convention.
------------------------------------------------------------------------------

SELECT p.proname, p.provolatile, p.prosecdef, p.proconfig
  FROM pg_proc p
 WHERE p.pronamespace = 'userservice'::regnamespace
   AND p.proname IN ('create_post', 'get_post', 'update_post', 'delete_post', 'list_posts')
 ORDER BY p.proname;
SELECT conname, contype FROM pg_constraint
 WHERE conrelid = 'userservice.posts'::regclass ORDER BY conname;
SELECT indexrelid::regclass AS index, pg_get_indexdef(indexrelid) ~ '\(author_id, id DESC\)' AS author_newest_first
  FROM pg_index WHERE indrelid = 'userservice.posts'::regclass ORDER BY 1;
-- Nobody but the owner has rights on the table.
SELECT has_table_privilege(r, 'userservice.posts', 'SELECT') AS can_select,
       has_table_privilege(r, 'userservice.posts', 'INSERT') AS can_insert, r AS role
  FROM unnest(ARRAY['userservice_anon', 'userservice_user', 'userservice_admin']) r ORDER BY r;

-- Clean up this file's accounts (their posts go with them).
SELECT count(*) AS deleted FROM (
    SELECT userservice.delete_user(id) FROM userservice.users
     WHERE email IN ('posts-ann@example.com', 'posts-cat@example.com')) d;
SELECT count(*) AS posts_left FROM userservice.posts p
  JOIN userservice.users u ON u.id = p.author_id WHERE u.email LIKE 'posts-%@example.com';
