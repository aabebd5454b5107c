#!/usr/bin/env python3
"""test/bench/login_timing.py: can refusals of login be told apart by time?

Run by login_timing.sh against its throwaway cluster, where the accounts
exist already (tw<i>@example.com active, ti<i>@example.com inactive; tu<i>
exists nowhere). Three cases, each answered 28P01:

  unknown   an email that is not registered
  wrong     a registered, active account and a wrong password
  inactive  a registered, inactive account and its right password

Every call uses an email of its own, so that every sample is a first
attempt on its email: the same throttle work (one new row) in every case.
The cases take turns in rounds, in a random order within each round, so
that drift of the machine spreads over all of them. Per call it takes the
client's wall time around execute() and, between calls, the WAL insert
position and the tuple counters of login_throttle and users.

Statistics are done here (no scipy): percentiles by linear interpolation,
Mann-Whitney U with average ranks for ties, the normal approximation with
tie correction and a continuity correction of 0.5 (what scipy's
mannwhitneyu(method="asymptotic") computes).
"""
import argparse
import csv
import gc
import math
import random
import sys
import time

CASES = ("unknown", "wrong", "inactive")
PREFIX = {"unknown": "tu", "wrong": "tw", "inactive": "ti"}
COUNTERS = ("throttle_ins", "throttle_upd", "throttle_del", "users_ins", "users_upd", "users_del")


def email(case, i):
    # The same length in every case: the request differs only in one letter.
    return "%s%05d@example.com" % (PREFIX[case], i)


# ------------------------------------------------------------- statistics
def percentile(sorted_x, q):
    """Linear interpolation between closest ranks (numpy's default)."""
    if not sorted_x:
        return float("nan")
    pos = (len(sorted_x) - 1) * q
    lo = math.floor(pos)
    hi = math.ceil(pos)
    return sorted_x[lo] + (sorted_x[hi] - sorted_x[lo]) * (pos - lo)


def median(x):
    return percentile(sorted(x), 0.5)


def mann_whitney(a, b):
    """U of a, z, two-sided p, and U/(n1 n2): the chance that a sample of a
    is larger than one of b (ties count half)."""
    n1, n2 = len(a), len(b)
    both = sorted([(v, 0) for v in a] + [(v, 1) for v in b])
    n = n1 + n2
    rank_a = 0.0
    ties = 0.0
    i = 0
    while i < n:
        j = i
        while j < n and both[j][0] == both[i][0]:
            j += 1
        avg = (i + 1 + j) / 2.0  # ranks i+1 .. j share their mean
        rank_a += avg * sum(1 for k in range(i, j) if both[k][1] == 0)
        t = j - i
        ties += t ** 3 - t
        i = j
    u1 = rank_a - n1 * (n1 + 1) / 2.0
    mu = n1 * n2 / 2.0
    var = n1 * n2 / 12.0 * ((n + 1) - ties / (n * (n - 1)))
    if var <= 0:
        return u1, 0.0, 1.0, u1 / (n1 * n2)
    d = u1 - mu
    zc = max(abs(d) - 0.5, 0.0) / math.sqrt(var)
    return u1, math.copysign(zc, d), math.erfc(zc / math.sqrt(2)), u1 / (n1 * n2)


def self_test():
    """The statistics against values worked out by hand (and by scipy)."""
    u, z, p, _ = mann_whitney([1, 2, 3, 4, 5], [6, 7, 8, 9, 10])
    assert u == 0 and abs(z + 2.5067) < 1e-4 and abs(p - 0.012186) < 1e-5, (u, z, p)
    u, z, p, _ = mann_whitney([1, 2, 2, 3], [2, 3, 4, 4])  # ties: 2 x3, 3 x2, 4 x2
    assert u == 2.5 and abs(z + 1.49786) < 1e-4 and abs(p - 0.13416) < 1e-4, (u, z, p)
    assert percentile([1, 2, 3, 4], 0.5) == 2.5 and abs(percentile([1, 2, 3, 4], 0.1) - 1.3) < 1e-12
    print("self-test: ok")


# ------------------------------------------------------------- measurement
SNAPSHOT = """
SELECT pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_insert_lsn(), '0/0')::bigint,
       coalesce(sum(n_tup_ins) FILTER (WHERE relname = 'login_throttle'), 0),
       coalesce(sum(n_tup_upd) FILTER (WHERE relname = 'login_throttle'), 0),
       coalesce(sum(n_tup_del) FILTER (WHERE relname = 'login_throttle'), 0),
       coalesce(sum(n_tup_ins) FILTER (WHERE relname = 'users'), 0),
       coalesce(sum(n_tup_upd) FILTER (WHERE relname = 'users'), 0),
       coalesce(sum(n_tup_del) FILTER (WHERE relname = 'users'), 0)
FROM pg_catalog.pg_stat_user_tables
WHERE schemaname = 'userservice' AND relname IN ('login_throttle', 'users')
"""


def snapshot(cur):
    # The worker flushed its counts when it exited (login waits for it);
    # this backend's own pending counts go out at the end of this statement.
    cur.execute("SELECT pg_catalog.pg_stat_force_next_flush()")
    cur.execute(SNAPSHOT)
    return [int(v) for v in cur.fetchone()]


def measure(args):
    import psycopg2

    conn = psycopg2.connect(host=args.host, port=args.port, dbname=args.dbname, user=args.user)
    conn.autocommit = True
    cur = conn.cursor()
    rng = random.Random(args.seed)
    samples = []  # (case, round, seconds, wal bytes, counters...)
    bad = []
    prev = snapshot(cur)
    rounds = args.warmup + args.per_case
    gc.disable()  # no collector pauses inside a timed call
    for r in range(rounds):
        order = list(CASES)
        rng.shuffle(order)
        for case in order:
            e = email(case, r + 1)
            pw = args.wrong_password if case == "wrong" else args.password
            code = "OK"
            t0 = time.perf_counter()
            try:
                cur.execute("SELECT 1 FROM userservice.login(%s, %s)", (e, pw))
            except psycopg2.Error as err:
                code = err.pgcode
            dt = time.perf_counter() - t0
            now = snapshot(cur)
            if code != "28P01":
                bad.append((case, e, code))
            if r >= args.warmup:
                samples.append([case, r - args.warmup + 1, dt] + [b - a for a, b in zip(prev, now)])
            prev = now
    gc.enable()
    conn.close()
    if bad:
        sys.exit("login_timing.py: %d calls were not answered 28P01, e.g. %s: the samples are not "
                 "comparable" % (len(bad), bad[:3]))
    return samples


# ------------------------------------------------------------- report
def report(samples, args):
    by = {c: [s for s in samples if s[0] == c] for c in CASES}
    ms = {c: sorted(s[2] * 1000 for s in by[c]) for c in CASES}
    rows = []
    for c in CASES:
        x = ms[c]
        wal = sorted(s[3] for s in by[c])
        per_call = [sum(s[4 + k] for s in by[c]) / len(by[c]) for k in range(len(COUNTERS))]
        rows.append((c, len(x), percentile(x, 0.5), percentile(x, 0.1), percentile(x, 0.9),
                     percentile(x, 0.75) - percentile(x, 0.25),
                     percentile(wal, 0.5), percentile(wal, 0.1), percentile(wal, 0.9), per_call))
    pairs = []
    for i, a in enumerate(CASES):
        for b in CASES[i + 1:]:
            u, z, p, auc = mann_whitney(ms[a], ms[b])
            pairs.append((a, b, u, z, p, percentile(ms[a], 0.5) - percentile(ms[b], 0.5), auc))

    out = []
    out.append("### Login refusals: time and durable work per case")
    out.append("")
    out.append("%d samples per case after %d warm-up rounds (seed %d); client wall time per call in ms; "
               "WAL bytes per call (insert position before and after); tuple counters from "
               "pg_stat_user_tables, per call." % (args.per_case, args.warmup, args.seed))
    out.append("")
    out.append("| case | n | median | p10 | p90 | IQR | WAL B median (p10-p90) "
               "| login_throttle ins/upd/del | users ins/upd/del |")
    out.append("|---|---:|---:|---:|---:|---:|---:|---|---|")
    for c, n, med, p10, p90, iqr, wmed, w10, w90, pc in rows:
        out.append("| %s | %d | %.3f | %.3f | %.3f | %.3f | %.0f (%.0f-%.0f) | %s | %s |"
                   % (c, n, med, p10, p90, iqr, wmed, w10, w90,
                      "/".join("%.2f" % v for v in pc[0:3]), "/".join("%.2f" % v for v in pc[3:6])))
    out.append("")
    out.append("| pair (A vs B) | Mann-Whitney U | z | p (two-sided) | median A - B (ms) | P(A slower) |")
    out.append("|---|---:|---:|---:|---:|---:|")
    for a, b, u, z, p, d, auc in pairs:
        out.append("| %s vs %s | %.1f | %+.2f | %.4f | %+.3f | %.3f |" % (a, b, u, z, p, d, auc))
    out.append("")
    out.append("p < 0.05 for a pair says its cases can be told apart at these sample sizes; "
               "take final figures on a quiet machine.")
    text = "\n".join(out)
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text + "\n")
    if args.csv:
        with open(args.csv, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["case", "round", "seconds", "wal_bytes"] + list(COUNTERS))
            w.writerows(samples)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", help="the unix socket directory")
    ap.add_argument("--port", type=int, default=5432)
    ap.add_argument("--dbname", default="bench")
    ap.add_argument("--user", default="postgres")
    ap.add_argument("--per-case", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=10, help="rounds measured and thrown away")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--password", default="bench-password-1")
    ap.add_argument("--wrong-password", default="bench-password-X")
    ap.add_argument("--markdown", help="also write the tables to this file")
    ap.add_argument("--csv", help="write every sample to this file")
    ap.add_argument("--self-test", action="store_true", help="check the statistics and exit")
    args = ap.parse_args()
    if args.self_test:
        self_test()
        return
    report(measure(args), args)


if __name__ == "__main__":
    main()
