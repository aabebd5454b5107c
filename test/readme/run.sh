#!/usr/bin/env bash
# test/readme/run.sh: a newcomer's first hour, as the README tells it, in a
# copy of this tree: scripts/run.sh, every SQL example of README.md in order
# (examples.py), scripts/run.sh again, then scripts/uninstall.sh, which must
# leave no cluster behind. Prints TAP lines; run by scripts/test.sh, as the
# user that runs it (root, or a normal user with sudo).
set -uo pipefail
cd "$(dirname "$0")/../.."
export USERSERVICE_PORT="${USERSERVICE_PORT:-54359}"   # not run.sh's 54329: a newcomer's own cluster may be up
n=0
failed=0
ok() {
    n=$((n + 1))
    if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi
}

# A copy of the tree, without any local cluster. As root it is a directory
# the postgres user cannot enter, so run.sh keeps the data under /var/tmp.
COPY="$(mktemp -d /tmp/userservice-readme.XXXXXX)"
tar --exclude=./.pgdata --exclude=./.pgrun --exclude=./tmp_check --exclude=./results -cf - . | tar --no-same-owner -xf - -C "$COPY"
chmod 0700 "$COPY"     # tar gives it the mode of this tree's top directory (and, as root, its owner without --no-same-owner)
cd "$COPY"

out="$(bash scripts/run.sh 2>&1)"; rc=$?
[ $rc -eq 0 ] && grep -q '^demo OK' <<<"$out"; ok $? "run.sh sets up a cluster and its demo ends with demo OK"
[ $rc -eq 0 ] || sed 's/^/#   /' <<<"$out"
connect="$(sed -n 's/^  connect: //p' <<<"$out")"
export USERSERVICE_DB_URI="$(sed -n 's/^  PostgREST: db-uri = "\(.*\)"$/\1/p' <<<"$out")"
[ "$($connect -XAtc 'SELECT extversion FROM pg_extension WHERE extname = $$userservice$$')" = "$(sed -n "s/^default_version = '\(.*\)'/\1/p" userservice.control)" ]
ok $? "run.sh's connect line reaches the extension at its default version"

# Local connections are trusted: only the cluster's owner (and root) reach the socket.
sock="$(readlink -f .pgrun)"
[ "$(stat -c %a "$sock")" = 700 ] && [ "$(stat -c %a "$(readlink -f .pgdata)/authenticator.password")" = 600 ]
ok $? "the socket directory is 0700 and the authenticator's password file 0600"
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
    ! runuser -u nobody -- psql -X -h "$sock" -p "$USERSERVICE_PORT" -U postgres -d userservice -c 'SELECT 1' >/dev/null 2>&1
    ok $? "another local user cannot connect over the socket"
    [ "$(stat -c %u "$(dirname "$(readlink .pgdata)")")" = 0 ] && [[ "$(readlink .pgdata)" == /var/tmp/userservice.* ]]
    ok $? "as root, the data lives in a directory of root's under /var/tmp, made by mktemp"
fi

python3 "$COPY/test/readme/examples.py" README.md "$COPY/.pgrun" "$USERSERVICE_PORT"
[ $? -eq 0 ] || failed=$((failed + 1))

# The README's uninstall block dropped the extension: run.sh puts it back.
out="$(bash scripts/run.sh 2>&1)"; rc=$?
[ $rc -eq 0 ] && grep -q '^demo OK' <<<"$out"; ok $? "run.sh can be run again on the same cluster (demo OK)"
[ $rc -eq 0 ] || sed 's/^/#   /' <<<"$out"

kept="$(readlink -f .pgdata)"
USERSERVICE_KEEP_FILES=1 bash scripts/uninstall.sh >/dev/null 2>&1; rc=$?
[ $rc -eq 0 ] && [ ! -e .pgdata ] && [ ! -L .pgdata ] && [ ! -e .pgrun ] && [ ! -L .pgrun ] &&
    [ ! -e "$kept" ] && { [ "$kept" = "$COPY/.pgdata" ] || [ ! -e "$(dirname "$kept")" ]; }
ok $? "uninstall.sh stops the cluster and removes .pgdata, .pgrun and the data they link to"
! pg_isready -q -h 127.0.0.1 -p "$USERSERVICE_PORT"; ok $? "no server answers on the port afterwards"

# A directory another local user made under /var/tmp is never used, even
# when .pgdata links to it (the red team's finding: run.sh used a
# predictable name there, and chowned what it found).
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
    trap_dir="$(runuser -u nobody -- mktemp -d /var/tmp/userservice.XXXXXXXX)"
    ln -s "$trap_dir/pgdata" .pgdata
    out="$(bash scripts/run.sh 2>&1)"; rc=$?
    [ $rc -ne 0 ] && grep -q "is not a directory of root's" <<<"$out" && [ ! -e "$trap_dir/pgdata" ]
    ok $? "run.sh refuses a data directory under /var/tmp that root did not make"
    rm -rf "$trap_dir" .pgdata .pgrun
fi

cd / && rm -rf "$COPY"
echo "# newcomer's steps: $n checks, $failed failed (besides examples.py's)"
[ "$failed" -eq 0 ]
