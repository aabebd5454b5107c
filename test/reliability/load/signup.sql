\set n :n + 1
SELECT rel.signup(:run, :client_id, :n);
