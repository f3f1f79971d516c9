#!/bin/bash
# Tests of berth-viewfs-keeper without a FUSE server (the FUSE case is viewfs's RestartHealTest):
# a shell holding /dev/fuse open stands in for the server. The keeper must take the descriptor,
# name itself viewfs-keeper, become viewfs-orphan when the "server" dies, let go at once when the
# descriptor has no live connection, end on SIGTERM, and refuse bad input.
#   viewfs-keeper-test.sh KEEPER_BINARY
# Prints "N passed, N failed"; exits non-zero on any failure.
set -u
KEEPER=$(readlink -f "$1")
. "$(dirname "$0")/skip.sh"
if [ "$(id -u)" != 0 ]; then skip "viewfs-keeper tests need root"; fi
if [ ! -c /dev/fuse ]; then skip "no /dev/fuse"; fi

PASS=0; FAIL=0; PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; }
trap cleanup EXIT
check() { # NAME CONDITION...
	local name=$1; shift
	if "$@"; then PASS=$((PASS + 1)); echo "ok   $name"; else FAIL=$((FAIL + 1)); echo "FAIL $name"; fi
}
comm_is() { [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ]; }
eventually() { for _ in $(seq 100); do "$@" && return 0; sleep 0.05; done; return 1; }
gone() { ! kill -0 "$1" 2>/dev/null; }

# the "server": fd 7 on /dev/fuse, never mounted
sh -c 'exec 7<>/dev/fuse; exec sleep 600' & SERVER=$!; PIDS+=("$SERVER")
eventually test -e "/proc/$SERVER/fd/7"
"$KEEPER" "$SERVER" 7 berth-viewfs:/test 30 & K=$!; PIDS+=("$K")
check "keeper names itself viewfs-keeper" eventually comm_is "$K" viewfs-keeper
check "keeper holds /dev/fuse" sh -c "ls -l /proc/$K/fd | grep -q /dev/fuse"
check "the fsname is in its command line" grep -q 'berth-viewfs:/test' "/proc/$K/cmdline"
kill -9 "$SERVER"
check "a descriptor without a connection is let go at once when the server dies" eventually gone "$K"

sh -c 'exec 7<>/dev/fuse; exec sleep 600' & SERVER=$!; PIDS+=("$SERVER")
eventually test -e "/proc/$SERVER/fd/7"
"$KEEPER" "$SERVER" 7 berth-viewfs:/test 30 & K=$!; PIDS+=("$K")
eventually comm_is "$K" viewfs-keeper
kill -TERM "$K"
check "SIGTERM ends it" eventually gone "$K"

"$KEEPER" >/dev/null 2>&1; check "no arguments: exit 2" [ $? = 2 ]
"$KEEPER" x 7 f 30 >/dev/null 2>&1; check "bad pid: exit 2" [ $? = 2 ]
"$KEEPER" "$SERVER" 7 f -1 >/dev/null 2>&1; check "bad hold: exit 2" [ $? = 2 ]
"$KEEPER" 999999999 7 f 30 >/dev/null 2>&1; check "no such server: exit 3" [ $? = 3 ]
err=$("$KEEPER" "$SERVER" 1 f 30 2>&1); rc=$?
check "an fd that is not /dev/fuse: exit 3 naming it" sh -c "[ $rc = 3 ] && echo '$err' | grep -q 'fd 1 is not /dev/fuse'"

echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
