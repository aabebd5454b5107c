-- A new account (bcrypt cost 10), deleted again (the table does not grow).
\set r random(1, 1000000000000)
SELECT id AS uid FROM recipe.create_user('churn' || :client_id::text || '-' || :r::text || '@example.com', :pw, 'Churn User') \gset
SELECT recipe.delete_user(:uid);
