\set id random(1, :scale)
SELECT * FROM userservice.login('User' || :id::text || '@Example.COM', :pw);
