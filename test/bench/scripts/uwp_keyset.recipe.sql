-- a page of 20 users with their posts; -D deep=0: near the start, deep=1: near the end
\set pos random(0, 100) + :deep * (:scale - 120)
SELECT * FROM recipe.list_users_with_posts(20, :pos);
