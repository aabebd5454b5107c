-- paging: list_users, list_users_with_posts and list_posts: keyset pages
-- cover every row exactly once, skip is OFFSET, only_active filters, the
-- default page size, the caps, posts newest first, and the plans the keyset
-- statements get. Every account here is paging-*@example.com; other files'
-- users are in the table too, so results are compared with plain SELECTs
-- rather than printed, and ids are never printed.
\set VERBOSITY default

-- A valid argon2id PHC string that verifies no password: importing it costs
-- no hashing.
SELECT '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' AS phc \gset

-- 31 users in one set-based import: paging-01 .. paging-30, and paging-31
-- who writes a lot.
SELECT created, cardinality(ids) AS ids
  FROM userservice.import_users((
    SELECT jsonb_agg(jsonb_build_object('email', format('paging-%s@example.com', to_char(g, 'FM00')),
                                        'display_name', 'Paging ' || g,
                                        'password_hash', :'phc') ORDER BY g)
      FROM generate_series(1, 31) g));
CREATE TEMP TABLE mine AS
SELECT id, substr(email, 8, 2)::int AS n FROM userservice.users
 WHERE email ~ '^paging-[0-9]{2}@example\.com$';
SELECT count(*) AS my_users, min(n), max(n) FROM mine;
SELECT id AS prolific FROM mine WHERE n = 31 \gset
SELECT min(id) AS first_mine FROM mine \gset

-- Every fifth user is deactivated (6 of them).
SELECT count(*) AS deactivated
  FROM mine, userservice.update_user(mine.id, '{"is_active": false}') u
 WHERE mine.n % 5 = 0 AND NOT u.is_active;

-- Posts, interleaved between authors so that one author's ids are not
-- contiguous: user n gets n % 4 posts (0 to 3), round by round.
SELECT count(*) AS posts_created FROM (
    SELECT userservice.create_post(m.id, format('post %s of %s', r, m.n), format('body %s', r))
      FROM mine m, generate_series(1, 3) r
     WHERE m.n <= 30 AND m.n % 4 >= r
     ORDER BY r, m.n) c;
-- paging-31 writes 25 posts.
SELECT count(*) AS posts_created FROM (
    SELECT userservice.create_post(:prolific, format('prolific %s', r)) FROM generate_series(1, 25) r ORDER BY r) c;

-- walk(fn, page_size, only_active, author) follows the keyset cursor of fn
-- (after_id = the last id of the previous page) until a short page, and
-- returns every row it saw with its page and position.
CREATE FUNCTION pg_temp.walk(fn text, page_size int, only_active boolean DEFAULT false,
                             author bigint DEFAULT NULL)
RETURNS TABLE (page int, pos int, id bigint)
LANGUAGE plpgsql AS $$
DECLARE
    cursor_id bigint;
    k int;
    r record;
BEGIN
    page := 0;
    LOOP
        page := page + 1;
        k := 0;
        FOR r IN EXECUTE CASE fn
            WHEN 'list_users' THEN 'SELECT id FROM userservice.list_users($1, $2)'
            WHEN 'list_users_with_posts' THEN 'SELECT id FROM userservice.list_users_with_posts($1, $2, $3)'
            WHEN 'list_posts' THEN 'SELECT id FROM userservice.list_posts($4, $1, $2)'
            END USING page_size, cursor_id, only_active, author
        LOOP
            k := k + 1;
            pos := k;
            id := r.id;
            cursor_id := r.id;
            RETURN NEXT;
        END LOOP;
        EXIT WHEN k < page_size;
        IF page > 100000 THEN
            RAISE 'runaway walk';
        END IF;
    END LOOP;
END
$$;

------------------------------------------------------------------------------
-- list_users: keyset pages cover every user exactly once, in id order.
------------------------------------------------------------------------------

CREATE TEMP TABLE w AS SELECT * FROM pg_temp.walk('list_users', 7);
-- No id twice; every user of the table; the walk's order is SELECT ... ORDER BY id.
SELECT count(*) = count(DISTINCT id) AS no_overlap,
       count(*) = (SELECT count(*) FROM userservice.users) AS every_user,
       array_agg(id ORDER BY page, pos) = ARRAY(SELECT id FROM userservice.users ORDER BY id) AS same_as_select
  FROM w;
-- This file's users: all 31 of them, each once, in id order.
SELECT count(*) AS my_rows, count(DISTINCT id) AS my_ids,
       array_agg(id ORDER BY page, pos) = ARRAY(SELECT id FROM mine ORDER BY id) AS mine_in_order
  FROM w JOIN mine USING (id);
-- Every page but the last is full (7 rows), the last holds the rest (1 to 7).
SELECT bool_and(rows = 7) FILTER (WHERE page < last) AS full_pages, max(rows) FILTER (WHERE page = last) BETWEEN 1 AND 7 AS short_last
  FROM (SELECT page, count(*) AS rows, max(page) OVER () AS last FROM w GROUP BY page) p;
-- The cursor need not be a live row: after a deleted user, the next page
-- starts at the next id.
SELECT id AS gone FROM mine WHERE n = 10 \gset
SELECT pg_typeof(userservice.delete_user(:gone)) AS deleted;
DELETE FROM mine WHERE n = 10;
SELECT ARRAY(SELECT id FROM userservice.list_users(5, :gone)) =
       ARRAY(SELECT id FROM userservice.users WHERE id > :gone ORDER BY id LIMIT 5) AS after_deleted_row;
-- A cursor past the end gives an empty page.
SELECT count(*) AS rows FROM userservice.list_users(20, (SELECT max(id) FROM userservice.users));

------------------------------------------------------------------------------
-- skip is OFFSET (the seed's paging, kept for compatibility).
------------------------------------------------------------------------------

SELECT ARRAY(SELECT id FROM userservice.list_users(5, NULL, 3)) =
       ARRAY(SELECT id FROM userservice.users ORDER BY id LIMIT 5 OFFSET 3) AS skip_is_offset;
-- ... also after a cursor: skip counts from the cursor.
SELECT ARRAY(SELECT id FROM userservice.list_users(5, :first_mine, 4)) =
       ARRAY(SELECT id FROM userservice.users WHERE id > :first_mine ORDER BY id LIMIT 5 OFFSET 4) AS skip_after_cursor;
-- skip 0 is the first page; skip past the end is an empty page.
SELECT ARRAY(SELECT id FROM userservice.list_users(5, NULL, 0)) =
       ARRAY(SELECT id FROM userservice.list_users(5)) AS skip_zero;
SELECT count(*) AS rows FROM userservice.list_users(5, NULL, 1000000);
-- Paging by skip through this file's users gives the same rows as the keyset walk.
SELECT array_agg(u.id ORDER BY p, u.id) = ARRAY(SELECT id FROM mine ORDER BY id) AS skip_pages_same_rows
  FROM generate_series(0, 6) p,
       userservice.list_users(5, :first_mine - 1, p * 5) u
 WHERE u.id IN (SELECT id FROM mine);

------------------------------------------------------------------------------
-- list_users_with_posts: the same keyset walk, only_active, and each user's
-- posts as a JSON array, newest first.
------------------------------------------------------------------------------

CREATE TEMP TABLE wp AS SELECT * FROM pg_temp.walk('list_users_with_posts', 6);
SELECT count(*) = count(DISTINCT id) AS no_overlap,
       array_agg(id ORDER BY page, pos) = ARRAY(SELECT id FROM userservice.users ORDER BY id) AS same_as_select
  FROM wp;
SELECT count(*) AS my_rows,
       array_agg(id ORDER BY page, pos) = ARRAY(SELECT id FROM mine ORDER BY id) AS mine_in_order
  FROM wp JOIN mine USING (id);
-- only_active: the active users only, still each once and in order.
CREATE TEMP TABLE wa AS SELECT * FROM pg_temp.walk('list_users_with_posts', 6, true);
SELECT count(*) = count(DISTINCT id) AS no_overlap,
       array_agg(id ORDER BY page, pos) = ARRAY(SELECT id FROM userservice.users WHERE is_active ORDER BY id) AS same_as_select
  FROM wa;
SELECT count(*) AS my_active_rows,
       count(*) FILTER (WHERE mine.n % 5 = 0) AS my_inactive_rows
  FROM wa JOIN mine USING (id);
-- only_active false (the default) and NULL keep the inactive users.
SELECT count(*) FILTER (WHERE NOT is_active) AS inactive_rows
  FROM userservice.list_users_with_posts(1000, :first_mine - 1, false) JOIN mine USING (id);
SELECT count(*) FILTER (WHERE NOT is_active) AS inactive_rows
  FROM userservice.list_users_with_posts(1000, :first_mine - 1, NULL) JOIN mine USING (id);
-- skip is OFFSET here too, with and without only_active.
SELECT ARRAY(SELECT id FROM userservice.list_users_with_posts(4, :first_mine, false, 3)) =
       ARRAY(SELECT id FROM userservice.users WHERE id > :first_mine ORDER BY id LIMIT 4 OFFSET 3) AS skip_is_offset;
SELECT ARRAY(SELECT id FROM userservice.list_users_with_posts(4, :first_mine, true, 3)) =
       ARRAY(SELECT id FROM userservice.users WHERE id > :first_mine AND is_active ORDER BY id LIMIT 4 OFFSET 3) AS skip_is_offset_active;

-- Each user's posts: exactly their posts, newest first (id descending),
-- with id, title, body and both timestamps as stored; [] without posts.
SELECT count(*) AS my_users,
       bool_and(u.posts = COALESCE((SELECT jsonb_agg(jsonb_build_object('id', p.id, 'title', p.title, 'body', p.body,
                                                                         'created_at', p.created_at, 'updated_at', p.updated_at)
                                                       ORDER BY p.id DESC)
                                      FROM userservice.posts p WHERE p.author_id = u.id), '[]')) AS posts_exact,
       bool_and(ARRAY(SELECT (e->>'id')::bigint FROM jsonb_array_elements(u.posts) WITH ORDINALITY x(e, o) ORDER BY o) =
                ARRAY(SELECT p.id FROM userservice.posts p WHERE p.author_id = u.id ORDER BY p.id DESC)) AS newest_first,
       count(*) FILTER (WHERE u.posts = '[]') AS with_empty_array,
       count(*) FILTER (WHERE u.posts IS NULL) AS with_null,
       sum(jsonb_array_length(u.posts)) AS posts
  FROM userservice.list_users_with_posts(1000, :first_mine - 1) u JOIN mine USING (id);
-- What one user with three posts looks like (paging-03).
SELECT id - 1 AS before_03 FROM mine WHERE n = 3 \gset
SELECT email, display_name, is_active, role, version, jsonb_typeof(posts) AS posts_type,
       jsonb_path_query_array(posts, '$[*].title') AS titles
  FROM userservice.list_users_with_posts(1, :before_03);
SELECT array_agg(k ORDER BY k) AS post_keys
  FROM userservice.list_users_with_posts(1, :before_03) u, jsonb_object_keys(u.posts -> 0) k;
-- A user without posts (paging-04) gets [], and an inactive one (paging-05) is shown as such.
SELECT id - 1 AS before_04 FROM mine WHERE n = 4 \gset
SELECT email, is_active, version, posts = '[]' AS empty_array, jsonb_array_length(posts) AS posts
  FROM userservice.list_users_with_posts(2, :before_04);
SELECT posts FROM userservice.list_users_with_posts(1, :before_04);
-- The newest post comes first after a patch too (order is by id, not by updated_at).
SELECT p.id AS oldest_03 FROM userservice.posts p JOIN mine ON mine.id = p.author_id WHERE mine.n = 3 AND p.title = 'post 1 of 3' \gset
SELECT title FROM userservice.update_post(:oldest_03, '{"title": "post 1 of 3, edited"}');
SELECT jsonb_path_query_array(posts, '$[*].title') AS titles
  FROM userservice.list_users_with_posts(1, :before_03);

------------------------------------------------------------------------------
-- list_posts: one author's posts, newest first, keyset-paged.
------------------------------------------------------------------------------

CREATE TEMP TABLE wl AS SELECT * FROM pg_temp.walk('list_posts', 4, false, :prolific);
SELECT count(*) AS rows, count(DISTINCT id) AS distinct_ids, max(page) AS pages,
       array_agg(id ORDER BY page, pos) =
       ARRAY(SELECT id FROM userservice.posts WHERE author_id = :prolific ORDER BY id DESC) AS newest_first_all
  FROM wl;
-- The first row is the newest post.
SELECT title FROM userservice.list_posts(:prolific, 1);
-- skip is OFFSET, from the start and after a cursor.
SELECT id AS p_cursor FROM wl WHERE page = 2 AND pos = 4 \gset
SELECT ARRAY(SELECT id FROM userservice.list_posts(:prolific, 5, NULL, 7)) =
       ARRAY(SELECT id FROM userservice.posts WHERE author_id = :prolific ORDER BY id DESC LIMIT 5 OFFSET 7) AS skip_is_offset;
SELECT ARRAY(SELECT id FROM userservice.list_posts(:prolific, 5, :p_cursor, 2)) =
       ARRAY(SELECT id FROM userservice.posts WHERE author_id = :prolific AND id < :p_cursor
              ORDER BY id DESC LIMIT 5 OFFSET 2) AS skip_after_cursor;
-- The cursor is an id, not a position: a page after it holds only that
-- author's older posts, even when the cursor is another author's post.
SELECT id AS other_post FROM userservice.posts
 WHERE author_id IN (SELECT id FROM mine WHERE n = 3) ORDER BY id DESC LIMIT 1 \gset
SELECT ARRAY(SELECT id FROM userservice.list_posts(:prolific, 1000, :other_post)) =
       ARRAY(SELECT id FROM userservice.posts WHERE author_id = :prolific AND id < :other_post ORDER BY id DESC) AS older_than_cursor;
-- Why keyset: a post written between two page reads shifts an OFFSET page
-- (the last row of page 1 comes again) but not the keyset page.
CREATE TEMP TABLE page1 AS SELECT id FROM userservice.list_posts(:prolific, 10);
SELECT min(id) AS page1_last FROM page1 \gset
SELECT title FROM userservice.create_post(:prolific, 'written while paging');
SELECT (SELECT count(*) FROM userservice.list_posts(:prolific, 10, NULL, 10) p WHERE p.id IN (SELECT id FROM page1)) AS offset_repeats,
       (SELECT count(*) FROM userservice.list_posts(:prolific, 10, :page1_last) p WHERE p.id IN (SELECT id FROM page1)) AS keyset_repeats,
       ARRAY(SELECT id FROM userservice.list_posts(:prolific, 10, :page1_last)) =
       ARRAY(SELECT id FROM userservice.posts WHERE author_id = :prolific AND id < :page1_last ORDER BY id DESC LIMIT 10) AS keyset_continues;
-- An author without posts, and no such author: no rows (not an error).
SELECT id AS no_posts FROM mine WHERE n = 4 \gset
SELECT count(*) AS rows FROM userservice.list_posts(:no_posts);
SELECT count(*) AS rows FROM userservice.list_posts(-1);
-- author_id is required.
SELECT count(*) FROM userservice.list_posts(NULL);
\echo :LAST_ERROR_SQLSTATE

------------------------------------------------------------------------------
-- Page size: default 20, at most 1000; 0, negative and 1001 are 22023, and so
-- is a negative skip.
------------------------------------------------------------------------------

-- The default is 20 (more than 20 rows exist for each function).
SELECT (SELECT count(*) FROM userservice.list_users()) AS list_users,
       (SELECT count(*) FROM userservice.list_users_with_posts()) AS list_users_with_posts,
       (SELECT count(*) FROM userservice.list_posts(:prolific)) AS list_posts;
-- Only the arguments given change (PostgREST passes named arguments, omits the rest).
SELECT (SELECT count(*) FROM userservice.list_users(after_id => :first_mine)) AS list_users,
       (SELECT count(*) FROM userservice.list_users_with_posts(only_active => true)) AS list_users_with_posts,
       (SELECT count(*) FROM userservice.list_posts(:prolific, skip => 1)) AS list_posts;
-- NULL page_size and skip mean their defaults.
SELECT (SELECT count(*) FROM userservice.list_users(NULL, NULL, NULL)) AS list_users,
       (SELECT count(*) FROM userservice.list_users_with_posts(NULL, NULL, NULL, NULL)) AS list_users_with_posts,
       (SELECT count(*) FROM userservice.list_posts(:prolific, NULL, NULL, NULL)) AS list_posts;
-- 1 and 1000 are accepted; 1000 returns every row when there are fewer.
SELECT (SELECT count(*) FROM userservice.list_users(1)) AS list_users,
       (SELECT count(*) FROM userservice.list_users_with_posts(1)) AS list_users_with_posts,
       (SELECT count(*) FROM userservice.list_posts(:prolific, 1)) AS list_posts;
SELECT (SELECT count(*) FROM userservice.list_users(1000)) = least(1000, (SELECT count(*) FROM userservice.users)) AS list_users,
       (SELECT count(*) FROM userservice.list_users_with_posts(1000)) = least(1000, (SELECT count(*) FROM userservice.users)) AS list_users_with_posts,
       (SELECT count(*) FROM userservice.list_posts(:prolific, 1000)) AS list_posts;
-- 1001, 0, -1 and the largest integer: 22023 naming page_size.
SELECT count(*) FROM userservice.list_users(1001);
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM userservice.list_users(0);
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM userservice.list_users(-1);
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM userservice.list_users(2147483647);
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM userservice.list_users_with_posts(1001);
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM userservice.list_users_with_posts(0);
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM userservice.list_users_with_posts(-1, NULL, true);
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM userservice.list_posts(:prolific, 1001);
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM userservice.list_posts(:prolific, 0);
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM userservice.list_posts(:prolific, -5, :p_cursor);
\echo :LAST_ERROR_SQLSTATE
-- A negative skip: 22023 naming skip.
SELECT count(*) FROM userservice.list_users(10, NULL, -1);
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM userservice.list_users_with_posts(10, NULL, false, -1);
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM userservice.list_posts(:prolific, 10, NULL, -1);
\echo :LAST_ERROR_SQLSTATE

------------------------------------------------------------------------------
-- Who may list: list_users and list_users_with_posts are for administrators;
-- list_posts for any signed-in user.
------------------------------------------------------------------------------

SELECT id AS pg_admin FROM userservice.create_user('admin-of-paging@example.com', 'admin-password-1', 'Admin') \gset
SELECT role FROM userservice.update_user(:pg_admin, '{"role": "admin"}');
SELECT set_config('request.jwt.claims', json_build_object('sub', id::text, 'tv', token_version, 'exp', 4102444800)::text, false) IS NOT NULL AS signed_in_as_admin
  FROM userservice.users WHERE id = :pg_admin;
SET ROLE userservice_admin;
SELECT (SELECT count(*) FROM userservice.list_users(3)) AS list_users,
       (SELECT count(*) FROM userservice.list_users_with_posts(3)) AS list_users_with_posts,
       (SELECT count(*) FROM userservice.list_posts(:prolific, 3)) AS list_posts;
RESET ROLE;
SET ROLE userservice_user;
SELECT set_config('request.jwt.claims', format('{"sub": "%s", "tv": 1, "exp": 4102444800}', :first_mine), false) IS NOT NULL AS signed_in;
SELECT count(*) AS list_posts FROM userservice.list_posts(:prolific, 3);
SELECT count(*) FROM userservice.list_users(3);
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM userservice.list_users_with_posts(3);
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT set_config('request.jwt.claims', '', false) AS claims_cleared;
-- The list functions are STABLE: PostgREST serves them on GET.
SELECT proname, provolatile FROM pg_proc
 WHERE pronamespace = 'userservice'::regnamespace AND proname LIKE 'list%' ORDER BY proname;
-- ... and so they run in a read-only transaction.
BEGIN TRANSACTION READ ONLY;
SELECT count(*) AS rows FROM userservice.list_users_with_posts(5, NULL, true);
COMMIT;

------------------------------------------------------------------------------
-- The plans of the keyset statements (the same SQL as the functions, run as
-- generic plans like SPI's): the index delivers the order, no Sort node, no
-- OFFSET scan. Sequential and bitmap scans are switched off because these tables are
-- tiny; what is shown is that the statements can use the indexes.
------------------------------------------------------------------------------

SET enable_seqscan = off;
SET enable_bitmapscan = off;
SET plan_cache_mode = force_generic_plan;
PREPARE users_after(integer, bigint, bigint) AS
SELECT id, email, display_name, is_active, role, version, created_at, updated_at
  FROM userservice.users WHERE id > $3 ORDER BY id LIMIT $1 OFFSET $2;
EXPLAIN (COSTS OFF) EXECUTE users_after(20, 0, 100);
PREPARE posts_after(bigint, integer, bigint, bigint) AS
SELECT id, author_id, title, body, created_at, updated_at
  FROM userservice.posts WHERE author_id = $1 AND id < $4 ORDER BY id DESC LIMIT $2 OFFSET $3;
EXPLAIN (COSTS OFF) EXECUTE posts_after(1, 20, 0, 100);
-- Users with posts: one statement; each page's posts come from the author index.
PREPARE users_with_posts_after(integer, bigint, boolean, bigint) AS
SELECT u.id, COALESCE(p.posts, '[]'::jsonb)
  FROM (SELECT * FROM userservice.users WHERE (is_active OR NOT $3) AND id > $4 ORDER BY id LIMIT $1 OFFSET $2) u
  LEFT JOIN LATERAL (SELECT jsonb_agg(jsonb_build_object('id', p.id, 'title', p.title) ORDER BY p.id DESC) AS posts
                       FROM userservice.posts p WHERE p.author_id = u.id) p ON true
 ORDER BY u.id;
EXPLAIN (COSTS OFF) EXECUTE users_with_posts_after(20, 0, false, 100);
DEALLOCATE ALL;
RESET plan_cache_mode;
RESET enable_seqscan;
RESET enable_bitmapscan;

-- list_users_with_posts shows at most the newest 100 posts of a user (one
-- user's array stays far below jsonb's 256 MB limit); list_posts has them all.
SELECT id AS cap_id FROM userservice.create_user('paging-cap@example.com', 'cap-password', 'Cap') \gset
SELECT count(*) AS created FROM generate_series(1, 101) g, LATERAL userservice.create_post(:cap_id, 'cap ' || g) p;
SELECT jsonb_array_length(posts) AS shown, posts -> 0 ->> 'title' AS newest, posts -> 99 ->> 'title' AS oldest_shown
  FROM userservice.list_users_with_posts(1, :cap_id - 1);
SELECT count(*) AS all_posts FROM userservice.list_posts(:cap_id, 1000);
SELECT userservice.delete_user(:cap_id);
