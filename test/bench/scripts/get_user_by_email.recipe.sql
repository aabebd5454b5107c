\set id random(1, :scale)
SELECT * FROM recipe.get_user_by_email('User' || :id::text || '@Example.COM');
