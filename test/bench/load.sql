-- test/bench/load.sql: (re)load the benchmark data set, set-based.
-- psql variables: users (how many), us_hash (an argon2id PHC string at the
-- default cost, for userservice.users), bf_hash (a bcrypt hash of the same
-- password, for recipe.users), with_recipe (on/off), throttle (the
-- throttle's table: login_failures up to schema 1.2, login_throttle from 1.3).
-- Every user has the same password, so every login verifies a real hash at
-- the real cost; the hash is computed once, not once per user.
\set ON_ERROR_STOP on
SET client_min_messages = warning;
-- The rows are consistent by construction: skip the per-row foreign key
-- triggers while loading (only in this throwaway cluster).
SET session_replication_role = replica;

TRUNCATE userservice.users, userservice.posts, userservice.:"throttle";
INSERT INTO userservice.users (id, email, hashed_password, display_name)
SELECT g, 'user' || g || '@example.com', :'us_hash', 'User ' || g
FROM generate_series(1, :users) g;
INSERT INTO userservice.posts (id, author_id, title, body)
SELECT (g - 1) * 3 + k, g, 'Post ' || k || ' of user ' || g,
       'Body of post ' || k || ': ' || repeat('lorem ipsum dolor sit amet ', 4)
FROM generate_series(1, :users) g, generate_series(1, 3) k;
SELECT setval('userservice.users_id_seq', :users);
SELECT setval('userservice.posts_id_seq', :users * 3);

\if :with_recipe
TRUNCATE recipe.users, recipe.posts;
INSERT INTO recipe.users (id, email, hashed_password, display_name)
SELECT id, email, :'bf_hash', display_name FROM userservice.users;
INSERT INTO recipe.posts (id, author_id, title, body)
SELECT id, author_id, title, body FROM userservice.posts;
SELECT setval('recipe.users_id_seq', :users);
SELECT setval('recipe.posts_id_seq', :users * 3);
\endif

RESET session_replication_role;
VACUUM (ANALYZE) userservice.users, userservice.posts, userservice.:"throttle";
\if :with_recipe
VACUUM (ANALYZE) recipe.users, recipe.posts;
\endif
CHECKPOINT;
