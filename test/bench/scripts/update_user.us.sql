\set id random(1, :scale)
\set n random(1, 1000000000)
SELECT * FROM userservice.update_user(:id, jsonb_build_object('display_name', 'Name ' || :n::text));
