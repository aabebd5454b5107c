\set id random(1, :scale)
SELECT * FROM recipe.login('User' || :id::text || '@Example.COM', :pw);
