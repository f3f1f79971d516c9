#!/bin/bash
# Tests of berth-viewfs-notify without a view server (the server's side is viewfs's SyscallViewsIT):
# bench/sysinfo-notify.c stands in for runc and the container, installing a sysinfo notification filter
# and handing its descriptor over as runc does. The keeper must listen (0700, named viewfs-notify), leave
# a second instance nothing to do, close a connection that brings no descriptor, greet a server with
# KEEPER/FD/READY, answer calls with the real syscall when no server comes within the grace (0 here), drop
# a descriptor whose filter has no task left, and refuse bad input.
#   viewfs-notify-test.sh NOTIFY_BINARY
# Prints "N passed, N failed"; exits non-zero on any failure.
set -u
KEEPER=$(readlink -f "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/skip.sh"
if [ "$(id -u)" != 0 ]; then skip "viewfs-notify tests need root"; fi
if ! command -v gcc >/dev/null || ! command -v python3 >/dev/null; then skip "needs gcc and python3"; fi

PASS=0; FAIL=0; PIDS=()
DIR=$(mktemp -d /tmp/viewfs-notify-test.XXXXXX)
cleanup() { for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$DIR"; }
trap cleanup EXIT
check() { # NAME CONDITION...
	local name=$1; shift
	if "$@"; then PASS=$((PASS + 1)); echo "ok   $name"; else FAIL=$((FAIL + 1)); echo "FAIL $name"; fi
}
eventually() { for _ in $(seq 100); do "$@" && return 0; sleep 0.05; done; return 1; }
comm_is() { [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ]; }
notify_fds() { ls -l "/proc/$K/fd" 2>/dev/null | grep -c 'seccomp notify'; }
no_notify_fds() { [ "$(notify_fds)" = 0 ]; }
connect() { # PATH: connects, prints what arrives within 1 s
	python3 -c 'import socket,sys
s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(1); out=b""
try:
    while True:
        b=s.recv(4096)
        if not b: break
        out+=b
except socket.timeout: pass
sys.stdout.write(out.decode())' "$1"
}

gcc -O2 -o "$DIR/caller" "$HERE/../../../bench/sysinfo-notify.c" || { echo "FAIL cannot build the caller"; exit 1; }
L=$DIR/l.sock C=$DIR/c.sock S=$DIR/slot
"$KEEPER" "$L" "$C" "$S" 0 & K=$!; PIDS+=("$K")
check "keeper names itself viewfs-notify" eventually comm_is "$K" viewfs-notify
check "the listener is root's only" eventually sh -c "stat -c %a '$L' | grep -qx 700"
"$KEEPER" "$L" "$DIR/c2.sock" "$DIR/slot2" 0 >/dev/null 2>&1
check "a second instance for the listener leaves at once (exit 0)" [ $? = 0 ]
connect "$L" >/dev/null
check "a connection without a descriptor is closed and the keeper lives on" kill -0 "$K"
out=$("$DIR/caller" "$L" 200 2>&1); rc=$?
check "without a server past the grace, notified calls run for real" \
	sh -c "[ $rc = 0 ] && echo '$out' | grep -q '^notified '"
check "a descriptor is dropped once its filter has no task" eventually no_notify_fds

# a caller that stays: its descriptor is held and offered to a server
"$DIR/caller" "$L" 100 --stay >/dev/null 2>&1 & CALLER=$!; PIDS+=("$CALLER")
check "runc's descriptor is held" eventually sh -c "[ \"\$(ls -l /proc/$K/fd | grep -c 'seccomp notify')\" = 1 ]"
hello=$(connect "$C")
check "a server is greeted with KEEPER pid, FD n, READY" \
	sh -c "echo '$hello' | head -1 | grep -qx 'KEEPER $K' && echo '$hello' | grep -qx 'FD [0-9]*' && echo '$hello' | tail -1 | grep -qx READY"
kill -9 "$CALLER"; wait "$CALLER" 2>/dev/null
check "the descriptor goes with the caller" eventually no_notify_fds
kill -TERM "$K"
check "SIGTERM ends it" eventually sh -c "! kill -0 $K 2>/dev/null"

"$KEEPER" >/dev/null 2>&1; check "no arguments: exit 2" [ $? = 2 ]
"$KEEPER" "$L" "$C" "$S" -1 >/dev/null 2>&1; check "bad grace: exit 2" [ $? = 2 ]
"$KEEPER" "$DIR/$(printf 'x%.0s' $(seq 120))" "$C" "$S" 0 >/dev/null 2>&1; check "a listener path too long: exit 3" [ $? = 3 ]

echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
