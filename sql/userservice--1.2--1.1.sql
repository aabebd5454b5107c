-- userservice 1.2 -> 1.1: removes posts.
-- WARNING: this drops the posts table and every post in it. Dump it first
-- if you want them back (pg_dump -t userservice.posts).
\echo Use "ALTER EXTENSION userservice UPDATE TO '1.1'" to load this file. \quit

DROP FUNCTION @extschema@.import_users(jsonb);
DROP FUNCTION @extschema@.list_users_with_posts(integer, bigint, boolean, bigint);
DROP FUNCTION @extschema@.list_posts(bigint, integer, bigint, bigint);
DROP FUNCTION @extschema@.delete_post(bigint);
DROP FUNCTION @extschema@.update_post(bigint, jsonb);
DROP FUNCTION @extschema@.get_post(bigint);
DROP FUNCTION @extschema@.create_post(bigint, text, text);
DROP TYPE @extschema@.import_report;
DROP TYPE @extschema@.user_with_posts;
DROP TYPE @extschema@.post;
-- Detach them first, so pg_extension.extconfig forgets them with the table.
ALTER EXTENSION userservice DROP TABLE @extschema@.posts;
ALTER EXTENSION userservice DROP SEQUENCE @extschema@.posts_id_seq;
DROP TABLE @extschema@.posts;
