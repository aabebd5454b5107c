\set n :n + 1
SELECT rel.patch(:run, :client_id, :n);
