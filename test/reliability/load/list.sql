\set n :n + 1
SELECT rel.list(:run, :client_id, :n);
