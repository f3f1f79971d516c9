#!/bin/bash
# Shim tests against real runc and a busybox bundle.
#   run-tests.sh SHIM_BINARY        (SHIM_VALGRIND=1 runs the shim under valgrind)
# Prints "N passed, N failed"; exits non-zero on any failure.
set -u
SHIM=$(readlink -f "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
RUNC=${RUNC:-/usr/sbin/runc}
CLIENT="python3 $HERE/client.py"

. "$(dirname "$0")/skip.sh"
if [ "$(id -u)" != 0 ]; then skip "shim tests need root"; fi
if [ ! -x "$RUNC" ]; then skip "no runc at $RUNC"; fi
if [ ! -x /bin/busybox ]; then skip "no /bin/busybox"; fi

WORK=$(mktemp -d /tmp/berth-shim-test.XXXXXX)
RROOT=$WORK/runc-root
PASS=0; FAIL=0; IDS=()
PREFIX=()
SLOW=1
if [ "${SHIM_VALGRIND:-}" = 1 ]; then
	PREFIX=(valgrind ${VG_QUIET--q} --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect
		--error-exitcode=1 --trace-children=no "--log-file=$WORK/vg.%p.log")
	SLOW=4
fi

cleanup() {
	for id in "${IDS[@]}"; do
		"$RUNC" --root "$RROOT" delete -f "$id" >/dev/null 2>&1
		if [ -f "$WORK/state/$id/shim.pid" ]; then
			p=$(cat "$WORK/state/$id/shim.pid")
			# Only our shim: its cmdline must name this state dir.
			if { tr '\0' ' ' <"/proc/$p/cmdline"; } 2>/dev/null | grep -q -- "$WORK/state/$id"; then kill -9 "$p"; fi
		fi
	done
	[ -n "${KEEP:-}" ] && { echo "kept $WORK"; return; }
	rm -rf "$WORK"
}
trap cleanup EXIT

# One shared read-only rootfs: busybox plus its applet links.
mkdir -p "$WORK/rootfs/bin" "$WORK/rootfs/proc" "$WORK/rootfs/dev" "$WORK/rootfs/sys" "$WORK/rootfs/tmp"
cp /bin/busybox "$WORK/rootfs/bin/busybox"
for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox "$WORK/rootfs/bin/$a"; done
(cd "$WORK" && "$RUNC" spec && mv config.json spec.json)

# bundle ID TERMINAL(true|false) ARG... : writes $WORK/b/ID/config.json
bundle() {
	local id=$1 term=$2; shift 2
	mkdir -p "$WORK/b/$id"
	python3 - "$WORK/spec.json" "$WORK/b/$id/config.json" "$WORK/rootfs" "$term" "${MEMLIMIT:-0}" "$@" <<'PY'
import json, sys
src, dst, rootfs, term, mem, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), sys.argv[6:]
c = json.load(open(src))
c["root"] = {"path": rootfs, "readonly": True}
c["process"]["terminal"] = term == "true"
c["process"]["args"] = args
c["process"]["env"] = ["PATH=/bin", "TERM=xterm"]
if mem:
    c["linux"].setdefault("resources", {})["memory"] = {"limit": mem, "swap": mem}
json.dump(c, open(dst, "w"))
PY
}

# launch ID SHIM-OPTION... : runs the shim, sets OUT and RC
launch() {
	local id=$1; shift
	IDS+=("$id")
	mkdir -p "$WORK/state" "$WORK/logs"
	OUT=$("${PREFIX[@]}" "$SHIM" --id "$id" --bundle "$WORK/b/$id" --state-dir "$WORK/state/$id" --runtime "$RUNC" \
		--runtime-root "$RROOT" --log-path "$WORK/logs/$id.log" "$@")
	RC=$?
}

start() { "$RUNC" --root "$RROOT" start "$1"; }
# exitof ID: the exit JSON, by WAIT or, if the shim is already gone, from the exit file
exitof() {
	$CLIENT "$(sock $1)" WAIT --timeout $((20 * SLOW)) 2>/dev/null | grep -q '^REPLY {' || wait_gone "$1"
	cat "$WORK/state/$1/exit" 2>/dev/null
}
sock() { echo "$WORK/state/$1/shim.sock"; }

# wait_gone ID: the shim has exited (bounded)
wait_gone() {
	local p i
	p=$(cat "$WORK/state/$1/shim.pid" 2>/dev/null) || return 0
	for i in $(seq 1 $((100 * SLOW))); do
		kill -0 "$p" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}

# ready FILE: a client started with --ready FILE is in place (bounded); python alone can take 0.5 s to start
ready() {
	local i
	for i in $(seq 1 $((100 * SLOW))); do
		[ -e "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

not() { ! "$@"; }
ok() { echo "ok   - $1"; PASS=$((PASS + 1)); }
bad() { echo "FAIL - $1: $2"; FAIL=$((FAIL + 1)); }
check() { # check NAME CONDITION-DESCRIPTION COMMAND...
	local name=$1 what=$2; shift 2
	if "$@"; then return 0; fi
	bad "$name" "$what"; return 1
}

# until_true CMD...: polls CMD until it succeeds (bounded)
until_true() {
	local i
	for i in $(seq 1 $((100 * SLOW))); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

for f in "$HERE"/cases/*.sh; do . "$f"; done

for t in t_fds t_parallel_exec t_run_exit_code t_create_error t_attach_stdin t_two_attachers_and_exec t_exec_client_gone t_terminal t_exec_tty \
	t_partial_and_rotation t_slow_client t_reopen t_oom t_oom_not_init t_daemon_gone t_log_disk_full; do
	if [ -n "${ONLY:-}" ] && [ "$ONLY" != "$t" ]; then continue; fi
	$t
done

# Every shim must be gone before its sanitizer/valgrind report is final.
for id in "${IDS[@]}"; do
	"$RUNC" --root "$RROOT" delete -f "$id" >/dev/null 2>&1
	wait_gone "$id" || bad "shutdown" "shim $id still running"
done
if [ "${SHIM_VALGRIND:-}" = 1 ]; then
	errs=$(grep -l -E 'ERROR SUMMARY: [1-9]|definitely lost: [1-9]|indirectly lost: [1-9]' "$WORK"/vg.*.log 2>/dev/null)
	if [ -n "$errs" ]; then bad valgrind "$(cat $errs)"; else ok "valgrind: no errors or leaks in $(ls "$WORK"/vg.*.log | wc -l) process logs"; fi
fi
if [ -n "${ASAN_OPTIONS:-}" ]; then
	if ls "$HERE"/asan.out* >/dev/null 2>&1; then bad asan "$(cat "$HERE"/asan.out*)"; else ok "asan/ubsan: no reports"; fi
fi
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
