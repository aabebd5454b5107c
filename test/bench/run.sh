#!/usr/bin/env bash
# test/bench/run.sh: the userservice benchmark suite, in one command.
#
#   test/bench/run.sh [--users N] [--duration S] [--clients C] [--million]
#
# It creates a throwaway PostgreSQL cluster (its own temporary directory,
# port and unix socket; stopped and removed at the end, also on failure),
# installs userservice, pgcrypto and the PL/pgSQL recipe (recipe.sql) into
# it, loads N users with 3 posts each (set-based, one prepared hash), and
# runs pgbench (-M prepared, C clients, S seconds per run) for every
# operation in three variants: raw SQL, the recipe, and userservice. It
# prints one table (TPS, p50/p99 latency, ratio to raw SQL) and writes
# out/results.csv and out/results.png; then the hashing limit, backend
# memory, round trips and the cost curve (10k/100k users, 1M with --million),
# written to out/ as well. See README.md.
#
# Options (each also an environment variable):
#   --users N        USERS        users to load (3 posts each)       100000
#   --duration S     DURATION     seconds per measured pgbench run   15
#   --warmup S       WARMUP       seconds of warm-up before each run 2
#   --clients C      CLIENTS      pgbench clients (threads: min(C, cores)) 2
#   --pg-config P    PG_CONFIG    the PostgreSQL 15 whose binaries and
#                                 installed userservice are used
#                                 /usr/lib/postgresql/15/bin/pg_config
#   --curve "A B"    CURVE        user counts of the cost curve      "10000 100000"
#   --million                     add 1000000 to the cost curve (loading takes minutes)
#   --no-curve                    skip the cost curve
#   --only REGEX     ONLY         run only the operations matching REGEX (development)
#   --out DIR        OUT          where results go                   test/bench/out
#   --port P         PORT         port of the throwaway cluster      54349 (run.sh has 54329)
#   --keep           KEEP=1       keep the cluster's directory (logs) at the end
#   SHARED_BUFFERS (512MB), SYNC_COMMIT (off): settings of the throwaway cluster;
#   SCRIPTS: the directory of the pgbench scripts (test/bench/scripts).
#
# It needs the extension installed into PG_CONFIG's PostgreSQL (make install),
# and installs gnuplot-nox and postgresql-contrib (pgcrypto) from Debian when
# they are missing, as root or through sudo. As root it runs the server as
# the postgres user. Exit status: 0 when every run succeeded, 1 otherwise
# (a run with any failed or aborted transaction is a failed row).
set -uo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
USERS="${USERS:-100000}"
DURATION="${DURATION:-15}"
WARMUP="${WARMUP:-2}"
CLIENTS="${CLIENTS:-2}"
PG_CONFIG="${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}"
CURVE="${CURVE:-10000 100000}"
ONLY="${ONLY:-}"
OUT="${OUT:-$HERE/out}"
SCRIPTS="${SCRIPTS:-$HERE/scripts}"
PORT="${PORT:-54349}"
KEEP="${KEEP:-0}"
SHARED_BUFFERS="${SHARED_BUFFERS:-512MB}"
SYNC_COMMIT="${SYNC_COMMIT:-off}"

usage() { sed -n '2,/^set -uo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
    case "$1" in
        --users) USERS="$2"; shift 2 ;;
        --duration) DURATION="$2"; shift 2 ;;
        --warmup) WARMUP="$2"; shift 2 ;;
        --clients) CLIENTS="$2"; shift 2 ;;
        --pg-config) PG_CONFIG="$2"; shift 2 ;;
        --curve) CURVE="$2"; shift 2 ;;
        --million) CURVE="$CURVE 1000000"; shift ;;
        --no-curve) CURVE=""; shift ;;
        --only) ONLY="$2"; shift 2 ;;
        --out) OUT="$2"; shift 2 ;;
        --port) PORT="$2"; shift 2 ;;
        --keep) KEEP=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done

for v in USERS DURATION WARMUP CLIENTS PORT; do
    [[ "${!v}" =~ ^[0-9]+$ ]] || { echo "run.sh: $v must be a whole number, not '${!v}'" >&2; exit 2; }
done
[ "$USERS" -ge 1000 ] || { echo "run.sh: USERS must be at least 1000" >&2; exit 2; }
[ "$CLIENTS" -ge 1 ] || { echo "run.sh: CLIENTS must be at least 1" >&2; exit 2; }

# shellcheck source=lib.sh
. "$HERE/lib.sh"
bench_prereqs gnuplot-nox
ncurve=$(echo $CURVE | wc -w)
say "about $(( ( (38 + 7 * ncurve) * (DURATION + WARMUP) + 60 ) / 60 )) minutes of pgbench runs, plus loading"
JOBS=$(( CLIENTS < CORES ? CLIENTS : CORES ))
mkdir -p "$OUT" || die "cannot create $OUT"
bench_cluster
bench_setup
bench_load "$USERS" on
bench_batches "$CLIENTS"
bench_tokens
bench_scripts "$SCRIPTS"

# ------------------------------------------------------------- pgbench runs
# run_bench NAME SCRIPT CLIENTS SECONDS [-D ...]: runs pgbench, prints
# "tps p50_ms p99_ms transactions failed status" (status ok or FAILED).
run_bench() {
    local name="$1" script="$2" clients="$3" secs="$4"; shift 4
    local dir="$LOGS/$name" jobs=$(( clients < CORES ? clients : CORES ))
    bench_vars "$CUR_USERS"
    local args=(-n -M prepared -c "$clients" -j "$jobs" -f "$RUN_SCRIPTS/$script"
                "${BENCH_VARS[@]}" "$@" "${CONN[@]}" bench)
    rm -rf "$dir"; mkdir -p "$dir"
    # Every run starts from the same state: no dead rows left by the writes
    # of earlier runs, no checkpoint pending.
    psql_ -d bench -c "VACUUM userservice.users, userservice.posts, userservice.$US_THROTTLE" \
        -c "VACUUM recipe.users, recipe.posts" -c "CHECKPOINT" >/dev/null 2>&1 ||
        echo "-- VACUUM before $name failed" >&2
    if [ "$WARMUP" -gt 0 ]; then
        "$BIN/pgbench" "${args[@]}" -T "$WARMUP" >"$dir/warmup.out" 2>&1
    fi
    ( cd "$dir" && "$BIN/pgbench" "${args[@]}" -T "$secs" --log --log-prefix=txn >pgbench.out 2>pgbench.err )
    local rc=$?
    local tps processed failed status=ok
    tps="$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' "$dir/pgbench.out")"
    processed="$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$dir/pgbench.out")"
    failed="$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$dir/pgbench.out")"
    : "${tps:=0}" "${processed:=0}" "${failed:=0}"
    if [ "$rc" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$processed" -eq 0 ] ||
       grep -q -e 'aborted' -e 'ERROR' "$dir/pgbench.err" "$dir/warmup.out" 2>/dev/null; then
        status=FAILED
        { echo "-- $name failed (pgbench exit $rc):"; head -5 "$dir/pgbench.err" "$dir/warmup.out" 2>/dev/null; } >&2
    fi
    # Latency per transaction, in microseconds, is field 3 of the log;
    # "failed" or "skipped" ones are counted above, not here.
    local pct n50 n99 count
    cat "$dir"/txn.* 2>/dev/null | awk '$3 ~ /^[0-9]+$/ {print $3}' | sort -n >"$dir/latencies"
    count="$(wc -l <"$dir/latencies")"
    if [ "$count" -gt 0 ]; then
        n50=$(( (count * 50 + 99) / 100 )); n99=$(( (count * 99 + 99) / 100 ))
        pct="$(awk -v a="$(sed -n "${n50}p" "$dir/latencies")" -v b="$(sed -n "${n99}p" "$dir/latencies")" \
               'BEGIN {printf "%.3f %.3f", a / 1000, b / 1000}')"
    else
        pct="0 0"
    fi
    rm -f "$dir/latencies"
    rm -f "$dir"/txn.*
    echo "$tps $pct $processed $failed $status"
}

RESULTS="$OUT/results.csv"
echo "section,operation,variant,users,clients,tps,p50_ms,p99_ms,ratio_to_raw,transactions,failed,status,note" >"$RESULTS"
declare -A TPS
any_failed=0
CUR_USERS="$USERS"

want() { [ -z "$ONLY" ] || [[ "$1" =~ $ONLY ]]; }

# record SECTION OP VARIANT USERS CLIENTS "tps p50 p99 n failed status" NOTE
record() {
    local section="$1" op="$2" variant="$3" users="$4" clients="$5" note="${7:-}"
    local tps p50 p99 n failed status ratio=""
    read -r tps p50 p99 n failed status <<<"$6"
    [ "$status" = ok ] || any_failed=1
    TPS["$section/$op/$variant/$users"]="$tps"
    local raw="${TPS[$section/$op/raw/$users]:-}"
    if [ -n "$raw" ] && awk -v r="$raw" 'BEGIN {exit !(r > 0)}'; then
        ratio="$(awk -v t="$tps" -v r="$raw" 'BEGIN {printf "%.3f", t / r}')"
    fi
    echo "$section,$op,$variant,$users,$clients,$tps,$p50,$p99,$ratio,$n,$failed,$status,\"$note\"" >>"$RESULTS"
    printf '%-28s %-7s %10.1f %9.3f %9.3f %7s  %s%s\n' "$op" "$variant" "$tps" "$p50" "$p99" \
        "${ratio:--}" "$([ "$status" = ok ] || echo 'FAILED ')" "$note" >&2
}

# The operations: name, script stem, extra pgbench arguments.
OPS=(
    "me_request|me_request|"
    "get_user|get_user|"
    "get_user_by_email|get_user_by_email|"
    "update_user|update_user|"
    "delete_create|delete_create|"
    "login|login|"
    "verify_token|verify_token|"
    "list_users|list_users|"
    "uwp_start_offset|uwp_offset|-D deep=0"
    "uwp_start_keyset|uwp_keyset|-D deep=0"
    "uwp_end_offset|uwp_offset|-D deep=1"
    "uwp_end_keyset|uwp_keyset|-D deep=1"
    "import_1000|import|"
)

# --------------------------------------------------------- hashing limit
say "hashing limit: argon2id verify on one thread at the default cost"
HASH_MS=""
HASH_HOW=""
if command -v cc >/dev/null 2>&1 &&
   cc -O2 -o "$TMP/hashbench" "$HERE/hashbench.c" -lsodium 2>"$TMP/hashbench.log"; then
    read -r hn HASH_MS hmin <<<"$("$TMP/hashbench" "$US_HASH" "$PW" 3)"
    HASH_HOW="median of $hn calls of libsodium crypto_pwhash_str_verify; fastest ${hmin} ms"
fi
CUR_USERS="$USERS"
s_tps=0 s_p50=0 s_p99=0 s_status="not run"
if want login; then
    single="$(run_bench login_1client login.us.sql 1 "$DURATION")"
    read -r s_tps s_p50 s_p99 _ _ s_status <<<"$single"
    [ "$s_status" = ok ] || any_failed=1
fi
if [ -z "$HASH_MS" ]; then
    HASH_MS="$s_p50"
    HASH_HOW="no C compiler or libsodium-dev: single-client login p50 (an upper bound)"
fi
HASH_LIMIT="$(awk -v c="$CORES" -v h="$HASH_MS" 'BEGIN {printf "%.1f", (h > 0 ? c * 1000 / h : 0)}')"

# ------------------------------------------------------------- main table
say "main table: $USERS users, $CLIENTS clients, ${DURATION}s per run (+${WARMUP}s warm-up)"
printf '%-28s %-7s %10s %9s %9s %7s  %s\n' operation variant TPS "p50 ms" "p99 ms" "vs raw" note >&2
for entry in "${OPS[@]}"; do
    IFS='|' read -r op stem extra <<<"$entry"
    want "$op" || continue
    for variant in raw recipe us; do
        if [ "$op" = login ] && [ "$variant" = raw ]; then
            # No raw SQL verifies argon2id: login's reference is the hashing limit.
            record main login raw "$USERS" "$CLIENTS" "$HASH_LIMIT $HASH_MS $HASH_MS 0 0 ok" \
                "hashing limit: $CORES cores / $HASH_MS ms per argon2id verify (computed; not run)"
            continue
        fi
        # me_request has no recipe variant: its reference (raw) is the RLS table.
        [ -f "$SCRIPTS/$stem.$variant.sql" ] || continue
        # shellcheck disable=SC2086
        res="$(run_bench "$op.$variant" "$stem.$variant.sql" "$CLIENTS" "$DURATION" $extra)"
        note=""
        case "$op/$variant" in
            verify_token/raw) note="reference: a primary key SELECT (a session lookup)" ;;
            me_request/raw) note="reference: PostgREST's GET /users on a table with an RLS policy on the claims' sub" ;;
            me_request/us) note="PostgREST's GET /rpc/me: settings; check_request(); me(); READ ONLY" ;;
            delete_create/raw) note="inserts a prepared hash: no hashing" ;;
            delete_create/us) note="hashes with argon2id (create_user)" ;;
            delete_create/recipe) note="hashes with bcrypt cost 10" ;;
            login/recipe) note="bcrypt cost 10" ;;
        esac
        record main "$op" "$variant" "$USERS" "$CLIENTS" "$res" "$note"
    done
done

# ----------------------------------------------------------- round trips
if want signup; then
    say "round trips: a signup as the usual ORM sequence vs one call"
    for variant in orm us; do
        res="$(run_bench "signup.$variant" "signup.$variant.sql" "$CLIENTS" "$DURATION")"
        record roundtrips signup "$variant" "$USERS" "$CLIENTS" "$res" \
            "$([ $variant = orm ] && echo '5 statements (BEGIN SELECT INSERT SELECT COMMIT) + reset DELETE' ||
                echo '1 statement (import_users of one user) + reset DELETE')"
    done
fi

# ---------------------------------------------------------------- memory
MEMORY="$OUT/memory.txt"
memq="SELECT :'label' AS calls,
       (SELECT sum(total_bytes) FROM pg_backend_memory_contexts) AS context_bytes,
       substring(s from 'VmHWM:\\s+(\\d+)')::int AS vmhwm_kb,
       substring(s from 'VmRSS:\\s+(\\d+)')::int AS vmrss_kb,
       substring(s from 'RssAnon:\\s+(\\d+)')::int AS rssanon_kb
FROM pg_read_file('/proc/self/status') AS s;"
# mem_probe FILE NAME STATEMENT-PRODUCER MARKS...: one backend runs the
# statements, reading its own /proc/self/status and memory contexts at the marks.
mem_probe() {
    local name="$1" prepare="$2" gen="$3"; shift 3
    local f="$TMP/mem_$name.sql" done_calls=0
    {
        echo '\set ON_ERROR_STOP on'
        echo "$prepare"
        for mark in "$@"; do
            echo '\o /dev/null'
            awk -v n=$(( mark - done_calls )) -v scale="$USERS" -v seed="$mark" "$gen"
            echo '\o'
            echo "\\set label $mark"
            echo "$memq"
            done_calls=$mark
        done
    } >"$f"
    psql_ -d bench -At -F ' ' -f "$f"
}
if want memory; then
    say "backend memory: 100 (then 200) logins, 100,000 get_user calls in one backend each"
    {
        echo "# calls context_bytes vmhwm_kb vmrss_kb rssanon_kb (one backend per operation)"
        echo "## login"
        mem_probe login "PREPARE l(text, text) AS SELECT * FROM userservice.login(\$1, \$2);" \
            "BEGIN {srand(seed); for (i = 0; i < n; i++) printf \"EXECUTE l('User%d@Example.COM', '$PW');\\n\", 1 + int(rand() * scale)}" \
            1 100 200
        echo "## get_user"
        mem_probe get_user "PREPARE g(bigint) AS SELECT * FROM userservice.get_user(\$1);" \
            'BEGIN {srand(seed); for (i = 0; i < n; i++) printf "EXECUTE g(%d);\n", 1 + int(rand() * scale)}' \
            1 1000 100000
    } >"$MEMORY" || { echo "-- the memory probe failed" >&2; any_failed=1; }
fi

# ------------------------------------------------------------ cost curve
CURVE_CSV="$OUT/curve.csv"
echo "operation,variant,users,tps,p50_ms,p99_ms,status" >"$CURVE_CSV"
if [ -n "$CURVE" ] && want curve; then
    say "cost curve at: $CURVE users"
    for n in $CURVE; do
        bench_load "$n" off
        CUR_USERS="$n"
        for spec in "get_user|get_user.us.sql|us|" "get_user|get_user.raw.sql|raw|" \
                    "login|login.us.sql|us|" \
                    "last_page_offset|uwp_offset.us.sql|us|-D deep=1" "last_page_offset|uwp_offset.raw.sql|raw|-D deep=1" \
                    "last_page_keyset|uwp_keyset.us.sql|us|-D deep=1" "last_page_keyset|uwp_keyset.raw.sql|raw|-D deep=1"; do
            IFS='|' read -r op script variant extra <<<"$spec"
            # shellcheck disable=SC2086
            res="$(run_bench "curve.$n.$op.$variant" "$script" "$CLIENTS" "$DURATION" $extra)"
            read -r tps p50 p99 _ _ status <<<"$res"
            [ "$status" = ok ] || any_failed=1
            echo "$op,$variant,$n,$tps,$p50,$p99,$status" >>"$CURVE_CSV"
        done
    done
fi

# --------------------------------------------------------------- report
MACHINE="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $CORES cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)"
PGV="$("$BIN/postgres" --version)"
{
echo
echo "userservice $US_VERSION benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $MACHINE; $PGV; $(uname -sr)"
echo "$USERS users x 3 posts; $CLIENTS clients (pgbench -M prepared, $JOBS threads), ${DURATION}s per run after ${WARMUP}s warm-up;"
echo "cluster: shared_buffers=$SHARED_BUFFERS synchronous_commit=$SYNC_COMMIT jit=off; argon2id m=$HASH_COST (default); bcrypt cost 10"
echo
printf '%-20s %-7s %10s %9s %9s %7s  %s\n' operation variant TPS "p50 ms" "p99 ms" "vs raw" note
awk -F, 'NR > 1 && $1 == "main" {
    note = $13; gsub(/"/, "", note); if ($12 != "ok") note = "FAILED " note
    printf "%-20s %-7s %10.1f %9.3f %9.3f %7s  %s\n", $2, $3, $6, $7, $8, ($9 == "" ? "-" : $9), note }' "$RESULTS"
echo
echo "hashing limit: one argon2id verify at the default cost takes $HASH_MS ms on one thread ($HASH_HOW);"
echo "  limit = $CORES cores / $HASH_MS ms = $HASH_LIMIT logins/s."
[ "$s_status" = "not run" ] ||
    echo "  login with 1 client: p50 $s_p50 ms, p99 $s_p99 ms ($(printf '%.1f' "$s_tps") TPS, $s_status); p50 minus the hash time: $(awk -v a="$s_p50" -v b="$HASH_MS" 'BEGIN {printf "%.3f", a - b}') ms"
us_login="${TPS[main/login/us/$USERS]:-}"
[ "$CLIENTS" -lt "$CORES" ] && echo "  (only $CLIENTS clients for $CORES cores: login cannot reach this limit)"
[ -n "$us_login" ] && echo "  login with $CLIENTS clients: $(printf '%.1f' "$us_login") TPS = $(awk -v a="$us_login" -v b="$HASH_LIMIT" 'BEGIN {printf "%.3f", (b > 0 ? a / b : 0)}') of the limit (target >= 0.9)"
if [ -s "$MEMORY" ]; then
    echo
    echo "backend memory (one backend each; context_bytes = sum of pg_backend_memory_contexts, kB from /proc/<pid>/status):"
    awk '
        /^##/ { op = $2; next } /^#/ { next }
        NF == 5 { c = $1; ctx[op, c] = $2; hwm[op, c] = $3; rss[op, c] = $4; anon[op, c] = $5
                  if (!(op in seen)) { order[++k] = op; seen[op] = 1 }
                  cs[op] = cs[op] " " c }
        END {
            for (i = 1; i <= k; i++) {
                op = order[i]; nm = split(substr(cs[op], 2), m, " ")
                printf "  %s:\n", op
                for (j = 1; j <= nm; j++) printf "    after %6d calls: VmHWM %7d kB, VmRSS %7d kB, RssAnon %7d kB, memory contexts %9d B\n", m[j], hwm[op, m[j]], rss[op, m[j]], anon[op, m[j]], ctx[op, m[j]]
                a = m[nm - 1]; b = m[nm]
                printf "    growth per call from %d to %d calls: memory contexts %.2f B, RssAnon %.4f kB\n", a, b, (ctx[op, b] - ctx[op, a]) / (b - a), (anon[op, b] - anon[op, a]) / (b - a)
            }
        }' "$MEMORY"
fi
if grep -q '^roundtrips' "$RESULTS"; then
    echo
    echo "round trips (statements a client sends per operation; the usual SQLAlchemy session):"
    printf '  %-24s %12s  %s\n' operation userservice "ORM (BEGIN/COMMIT included)"
    printf '  %-24s %12s  %s\n' "signup" 1 "5: BEGIN, SELECT by email, INSERT, SELECT again, COMMIT"
    printf '  %-24s %12s  %s\n' "get by id / by email" 1 "3: BEGIN, SELECT, ROLLBACK"
    printf '  %-24s %12s  %s\n' "update (patch)" 1 "5: BEGIN, SELECT, UPDATE, SELECT again, COMMIT"
    printf '  %-24s %12s  %s\n' "delete" 1 "4: BEGIN, SELECT, DELETE, COMMIT"
    printf '  %-24s %12s  %s\n' "login" 1 "3: BEGIN, SELECT by email (verify and sign in the app), ROLLBACK"
    printf '  %-24s %12s  %s\n' "users with posts page" 1 "4: BEGIN, SELECT users, SELECT posts IN (...), ROLLBACK"
    echo "  measured (signup, prepared hash on both sides, plus the same reset DELETE):"
    awk -F, '$1 == "roundtrips" { note = $13; gsub(/"/, "", note)
        printf "    %-4s %10.1f TPS  p50 %8.3f ms  p99 %8.3f ms  %s%s\n", $3, $6, $7, $8, ($12 == "ok" ? "" : "FAILED "), note }' "$RESULTS"
    echo "  over a network every statement adds one round trip: at 0.5 ms RTT a signup waits >= 2.5 ms"
    echo "  on the wire with the ORM sequence (5 statements) and 0.5 ms with one call, before any server work."
fi
if [ "$(wc -l <"$CURVE_CSV")" -gt 1 ]; then
    echo
    echo "cost curve (TPS, p50 ms) by number of users; last_page = list_users_with_posts at the end of the table:"
    awk -F, 'NR > 1 { k = $1 " " $2; if (!(k in seen)) { seen[k] = 1; keys[++nk] = k }
                      if (!($3 in su)) { su[$3] = 1; us[++nu] = $3 }
                      v[k, $3] = sprintf("%9.1f %7.3f%s", $4, $5, ($7 == "ok" ? "" : "!")) }
        END { printf "  %-26s", ""; for (j = 1; j <= nu; j++) printf " %17s", us[j] " users"; print ""
              for (i = 1; i <= nk; i++) { printf "  %-26s", keys[i]; for (j = 1; j <= nu; j++) printf " %17s", v[keys[i], us[j]]; print "" } }' "$CURVE_CSV"
fi
echo
echo "files: $RESULTS, $OUT/results.png, $OUT/RESULTS.md, $CURVE_CSV, $MEMORY"
} | tee "$OUT/report.txt"

# The same as Markdown, to commit as test/bench/RESULTS.md.
{
    echo "# userservice benchmark results"
    echo
    sed -n '2,5p' "$OUT/report.txt" | sed 's/$/  /'
    echo
    echo "Produced by \`test/bench/run.sh --users $USERS --duration $DURATION --clients $CLIENTS\`"
    echo "(see [README.md](README.md)). Ratios are TPS divided by raw SQL's TPS for the same operation;"
    echo "login's raw row is the hashing limit (cores / single-thread argon2id verify time), computed, not run."
    echo
    echo "| operation | variant | TPS | p50 ms | p99 ms | vs raw | note |"
    echo "|---|---|---:|---:|---:|---:|---|"
    awk -F, 'NR > 1 && $1 == "main" { note = $13; gsub(/"/, "", note); if ($12 != "ok") note = "**FAILED** " note
        printf "| %s | %s | %.1f | %.3f | %.3f | %s | %s |\n", $2, $3, $6, $7, $8, ($9 == "" ? "-" : $9), note }' "$RESULTS"
    echo
    echo '```'
    sed -n '/^hashing limit:/,$p' "$OUT/report.txt" | grep -v '^files:'
    echo '```'
    echo
    echo "![TPS per operation](results.png)"
} >"$OUT/RESULTS.md"

# ----------------------------------------------------------------- chart
DAT="$TMP/results.dat"
awk -F, 'NR > 1 && $1 == "main" { if (!($2 in s)) { s[$2] = 1; o[++n] = $2 } t[$2, $3] = $6 }
    END { for (i = 1; i <= n; i++) printf "%s %s %s %s\n", o[i], (t[o[i], "raw"] == "" ? "NaN" : t[o[i], "raw"]),
          (t[o[i], "recipe"] == "" ? "NaN" : t[o[i], "recipe"]), (t[o[i], "us"] == "" ? "NaN" : t[o[i], "us"]) }' "$RESULTS" >"$DAT"
if [ -s "$DAT" ]; then
    gnuplot <<EOF || echo "-- gnuplot failed: no PNG" >&2
set terminal pngcairo size 1400,800 noenhanced font ",10"
set output '$OUT/results.png'
set title "userservice $US_VERSION: TPS per operation ($USERS users, $CLIENTS clients, ${DURATION}s runs; login raw = hashing limit)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set logscale y
set ylabel "transactions per second (log scale)"
set grid ytics
set xtics rotate by -30
set key top right
plot '$DAT' using 2:xtic(1) title 'raw SQL', '' using 3 title 'recipe (PL/pgSQL + pgcrypto)', '' using 4 title 'userservice'
EOF
fi
if [ "$(wc -l <"$CURVE_CSV")" -gt 1 ]; then
    awk -F, 'NR > 1 { print > ("'"$TMP"'/curve_" $1 "_" $2 ".dat") }' "$CURVE_CSV"
    plots=""
    for f in "$TMP"/curve_*.dat; do
        t="$(basename "$f" .dat)"; t="${t#curve_}"
        plots="$plots${plots:+, }'$f' using 3:4 with linespoints title '$t'"
    done
    gnuplot <<EOF || echo "-- gnuplot failed: no curve PNG" >&2
set terminal pngcairo size 1000,600 noenhanced font ",10"
set output '$OUT/curve.png'
set datafile separator ","
set title "cost curve: TPS by number of users ($CLIENTS clients)"
set logscale xy
set xlabel "users"
set ylabel "TPS"
set grid
set key outside right
plot $plots
EOF
fi

if [ "$any_failed" -ne 0 ]; then
    echo "run.sh: some runs FAILED (see the table; logs in $TMP with --keep)" >&2
    exit 1
fi
exit 0
