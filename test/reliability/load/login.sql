\set n :n + 1
SELECT rel.login(:run, :client_id, :n);
