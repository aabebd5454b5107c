#!/usr/bin/env bash
# test/readme/run.sh: a newcomer's first hour, as the README tells it, in a
# copy of this tree: scripts/run.sh, every SQL example of README.md in order
# (examples.py), scripts/run.sh again, then scripts/uninstall.sh, which must
# leave no cluster behind. Prints TAP lines; run by scripts/test.sh, as the
# user that runs it (root, or a normal user with sudo).
set -uo pipefail
cd "$(dirname "$0")/../.."
export USERSERVICE_PORT="${USERSERVICE_PORT:-54339}"   # not run.sh's 54329: a newcomer's own cluster may be up
n=0
failed=0
ok() {
    n=$((n + 1))
    if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi
}

# A copy of the tree, without any local cluster. As root it is a directory
# the postgres user cannot enter, so run.sh keeps the data under /var/tmp.
COPY="$(mktemp -d /tmp/userservice-readme.XXXXXX)"
tar --exclude=./.pgdata --exclude=./.pgrun --exclude=./tmp_check --exclude=./results -cf - . | tar -xf - -C "$COPY"
cd "$COPY"

out="$(bash scripts/run.sh 2>&1)"; rc=$?
[ $rc -eq 0 ] && grep -q '^demo OK' <<<"$out"; ok $? "run.sh sets up a cluster and its demo ends with demo OK"
[ $rc -eq 0 ] || sed 's/^/#   /' <<<"$out"
connect="$(sed -n 's/^  connect: //p' <<<"$out")"
[ "$($connect -XAtc 'SELECT extversion FROM pg_extension WHERE extname = $$userservice$$')" = "$(sed -n "s/^default_version = '\(.*\)'/\1/p" userservice.control)" ]
ok $? "run.sh's connect line reaches the extension at its default version"

python3 "$COPY/test/readme/examples.py" README.md "$COPY/.pgrun" "$USERSERVICE_PORT"
[ $? -eq 0 ] || failed=$((failed + 1))

# The README's uninstall block dropped the extension: run.sh puts it back.
out="$(bash scripts/run.sh 2>&1)"; rc=$?
[ $rc -eq 0 ] && grep -q '^demo OK' <<<"$out"; ok $? "run.sh can be run again on the same cluster (demo OK)"
[ $rc -eq 0 ] || sed 's/^/#   /' <<<"$out"

kept="$(readlink -f .pgdata)"
USERSERVICE_KEEP_FILES=1 bash scripts/uninstall.sh >/dev/null 2>&1; rc=$?
[ $rc -eq 0 ] && [ ! -e .pgdata ] && [ ! -L .pgdata ] && [ ! -e .pgrun ] && [ ! -e "$kept" ] &&
    [ ! -e "/var/tmp/userservice-$(echo "$COPY" | md5sum | cut -c1-8)" ]
ok $? "uninstall.sh stops the cluster and removes .pgdata, .pgrun and the data they link to"
! pg_isready -q -h 127.0.0.1 -p "$USERSERVICE_PORT"; ok $? "no server answers on the port afterwards"

cd / && rm -rf "$COPY"
echo "# newcomer's steps: $n checks, $failed failed (besides examples.py's)"
[ "$failed" -eq 0 ]
