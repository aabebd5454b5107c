-- A new account (argon2id at the default cost), deleted again (the table does not grow).
\set r random(1, 1000000000000)
SELECT id AS uid FROM userservice.create_user('churn' || :client_id::text || '-' || :r::text || '@example.com', :pw, 'Churn User') \gset
SELECT userservice.delete_user(:uid);
