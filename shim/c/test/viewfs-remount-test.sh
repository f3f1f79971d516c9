#!/bin/bash
# Tests of berth-viewfs-remount with tmpfs files standing in for the FUSE ones (the FUSE case, a
# killed and restarted server, is viewfs's RestartHealTest): a private mount namespace holds a
# read-only bind mount of an "old" file; the helper must put the "new" one there, read-only, with
# nothing left stacked, and fail cleanly on bad input.
#   viewfs-remount-test.sh HELPER_BINARY
# Prints "N passed, N failed"; exits non-zero on any failure.
set -u
HELPER=$(readlink -f "$1")
. "$(dirname "$0")/skip.sh"
if [ "$(id -u)" != 0 ]; then skip "viewfs-remount tests need root"; fi

WORK=$(mktemp -d /tmp/berth-remount-test.XXXXXX)
PASS=0; FAIL=0; NS_PID=

cleanup() {
	[ -n "$NS_PID" ] && kill -9 "$NS_PID" 2>/dev/null
	umount -l "$WORK/old" "$WORK/new" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT

check() { # NAME CONDITION...
	local name=$1; shift
	if "$@"; then PASS=$((PASS + 1)); echo "ok   $name"; else FAIL=$((FAIL + 1)); echo "FAIL $name"; fi
}

mkdir -p "$WORK/old" "$WORK/new" "$WORK/ctr/proc"
mount -t tmpfs tmpfs "$WORK/old" && mount -t tmpfs tmpfs "$WORK/new"
echo old >"$WORK/old/meminfo"; echo new >"$WORK/new/meminfo"; echo new-stat >"$WORK/new/stat"
echo host >"$WORK/ctr/proc/meminfo"; echo host-stat >"$WORK/ctr/proc/stat"

# The "container": its own mount namespace, the old file bound read-only over its meminfo.
unshare -m --propagation private sh -c \
	"mount --bind '$WORK/old/meminfo' '$WORK/ctr/proc/meminfo' && mount -o remount,bind,ro '$WORK/ctr/proc/meminfo' && echo \$\$ >'$WORK/ns.pid' && exec sleep 600" &
for _ in $(seq 100); do [ -s "$WORK/ns.pid" ] && break; sleep 0.05; done
NS_PID=$(cat "$WORK/ns.pid")
in_ns() { nsenter -t "$NS_PID" -m "$@"; }
mounts_at() { in_ns cat /proc/self/mountinfo | awk -v p="$1" '$5 == p' | wc -l; }

check "namespace sees the old file" [ "$(in_ns cat "$WORK/ctr/proc/meminfo")" = old ]
check "host does not see the bind" [ "$(cat "$WORK/ctr/proc/meminfo")" = host ]

# meminfo has a mount to go beneath; stat has none (the fallback path)
"$HELPER" "$NS_PID" "$WORK/new/meminfo" "$WORK/ctr/proc/meminfo" "$WORK/new/stat" "$WORK/ctr/proc/stat"
check "helper exits 0" [ $? = 0 ]
check "namespace sees the new file" [ "$(in_ns cat "$WORK/ctr/proc/meminfo")" = new ]
check "a target without a mount gets one too" [ "$(in_ns cat "$WORK/ctr/proc/stat")" = new-stat ]
check "one mount left at the target" [ "$(mounts_at "$WORK/ctr/proc/meminfo")" = 1 ]
check "the new mount is read-only" sh -c "! nsenter -t $NS_PID -m sh -c 'echo x >$WORK/ctr/proc/meminfo' 2>/dev/null"
check "mount options say ro" sh -c "nsenter -t $NS_PID -m cat /proc/self/mountinfo | awk '\$5 == \"$WORK/ctr/proc/meminfo\" {print \$6}' | grep -q '^ro,'"
check "host still sees its own file" [ "$(cat "$WORK/ctr/proc/meminfo")" = host ]
check "host tmpfs file untouched" [ "$(cat "$WORK/new/meminfo")" = new ]

# Running again (a second restart) replaces the mount made by the first.
echo newer >"$WORK/old/meminfo"
"$HELPER" "$NS_PID" "$WORK/old/meminfo" "$WORK/ctr/proc/meminfo"
check "a second replace works" [ "$(in_ns cat "$WORK/ctr/proc/meminfo")" = newer ]
check "still one mount at the target" [ "$(mounts_at "$WORK/ctr/proc/meminfo")" = 1 ]

"$HELPER" >/dev/null 2>&1; check "no arguments: usage, exit 2" [ $? = 2 ]
"$HELPER" "$NS_PID" "$WORK/new/meminfo" >/dev/null 2>&1; check "odd arguments: exit 2" [ $? = 2 ]
"$HELPER" abc "$WORK/new/meminfo" /x >/dev/null 2>&1; check "bad pid: exit 2" [ $? = 2 ]
"$HELPER" 999999999 "$WORK/new/meminfo" /x >/dev/null 2>&1; check "no such process: exit 3" [ $? = 3 ]
err=$("$HELPER" "$NS_PID" "$WORK/missing" "$WORK/ctr/proc/meminfo" 2>&1)
rc=$?
check "missing source: exit 1 naming pid and path" sh -c "[ $rc = 1 ] && echo '$err' | grep -q 'pid $NS_PID: clone $WORK/missing'"
check "a failed source leaves the target alone" [ "$(in_ns cat "$WORK/ctr/proc/meminfo")" = newer ]

echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
