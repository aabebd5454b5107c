\set n :n + 1
SELECT rel.get(:run, :client_id, :n);
