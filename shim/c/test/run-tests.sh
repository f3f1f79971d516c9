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

t_run_exit_code() {
	local id=t-exit
	bundle $id false sh -c 'echo hello; echo oops >&2; exit 3'
	launch $id
	check exit "launch: rc=$RC out=$OUT" [ "$RC" = 0 ] || return
	check exit "ok line '$OUT'" grep -Eq '^ok [0-9]+ [0-9]+$' <<<"$OUT" || return
	check exit "shim.pid" [ "$(cat "$WORK/state/$id/shim.pid")" = "$(cut -d' ' -f3 <<<"$OUT")" ] || return
	check exit "socket mode" [ "$(stat -c %a "$(sock $id)")" = 600 ] || return
	local w
	$CLIENT "$(sock $id)" WAIT --timeout $((10 * SLOW)) --ready "$WORK/r-exit" >"$WORK/w-exit" &
	ready "$WORK/r-exit"
	start $id
	wait
	w=$(cat "$WORK/w-exit")
	check exit "wait reply: $w" grep -q '"exitCode":3,"signal":0,"oomKilled":false,"finishedAt":"20' <<<"$w" || return
	check exit "exit file" grep -q '"exitCode":3' "$WORK/state/$id/exit" || return
	check exit "shim exits" wait_gone $id || return
	check exit "log: $(cat "$WORK/logs/$id.log")" grep -Eq '^[0-9-]{10}T[0-9:]{8}\.[0-9]{9}Z stdout F hello$' "$WORK/logs/$id.log" || return
	check exit "log stderr" grep -Eq 'Z stderr F oops$' "$WORK/logs/$id.log" || return
	ok "run: exit code, WAIT, exit file, CRI log"
}

t_create_error() {
	local id=t-err
	bundle $id false /no/such/binary
	launch $id
	check create-error "rc=$RC out=$OUT" [ "$RC" = 1 ] || return
	check create-error "message '$OUT'" grep -q '^error .*no/such/binary' <<<"$OUT" || return
	check create-error "socket left behind" [ ! -e "$(sock $id)" ] || return
	ok "create error carries runc's message: ${OUT:0:100}"
}

t_attach_stdin() {
	local id=t-attach r
	bundle $id false sh -c 'read x; echo got:$x; echo to-err >&2; read y; echo second:$y; cat; echo done; exit 5'
	launch $id --stdin
	check attach "launch $OUT" [ "$RC" = 0 ] || return
	( ready "$WORK/r-attach" && start $id ) &
	r=$($CLIENT "$(sock $id)" ATTACH --send 'abc\n' --send 'def\n' --send 'tail' --close-stdin --timeout $((10 * SLOW)) \
		--ready "$WORK/r-attach")
	wait
	check attach "reply: $r" grep -q '^REPLY OK$' <<<"$r" || return
	check attach "stdout: $r" grep -q "^STDOUT 'got:abc\\\\nsecond:def\\\\ntaildone\\\\n'$" <<<"$r" || return
	check attach "stderr: $r" grep -q "^STDERR 'to-err\\\\n'$" <<<"$r" || return
	check attach "exit: $r" grep -q '^EXIT 5$' <<<"$r" || return
	check attach "partial+F in log" grep -q 'stdout F taildone$' "$WORK/logs/$id.log" || return
	ok "attach: stdin frames, close stdin, stdout/stderr frames, exit frame"
}

t_two_attachers_and_exec() {
	local id=t-exec r1 r2 e w
	bundle $id false sh -c 'while :; do sleep 0.2; [ -e /proc/self ] ; done'
	launch $id
	check exec "launch $OUT" [ "$RC" = 0 ] || return
	start $id
	cat >"$WORK/proc1.json" <<'J'
{"terminal":false,"user":{"uid":0,"gid":0},"args":["sh","-c","read a; echo exec-out:$a; echo exec-err >&2; exit 7"],"env":["PATH=/bin"],"cwd":"/"}
J
	e=$($CLIENT "$(sock $id)" "EXEC $WORK/proc1.json 0" --send 'zz\n' --timeout $((10 * SLOW)))
	check exec "reply: $e" grep -Eq '^REPLY OK [0-9]+$' <<<"$e" || return
	check exec "stdout: $e" grep -q "^STDOUT 'exec-out:zz\\\\n'$" <<<"$e" || return
	check exec "stderr: $e" grep -q "^STDERR 'exec-err\\\\n'$" <<<"$e" || return
	check exec "exit: $e" grep -q '^EXIT 7$' <<<"$e" || return
	check exec "exec output not logged" not grep -q exec-out "$WORK/logs/$id.log" || return
	# Bad process.json: runc's error comes back.
	echo '{"args":[]}' >"$WORK/bad.json"
	e=$($CLIENT "$(sock $id)" "EXEC $WORK/bad.json 0")
	check exec "bad exec: $e" grep -q '^REPLY ERROR .' <<<"$e" || return
	# Two attachers both see the exit; WAIT too.
	$CLIENT "$(sock $id)" ATTACH --timeout $((10 * SLOW)) --ready "$WORK/r-a1" >"$WORK/a1" &
	$CLIENT "$(sock $id)" ATTACH --timeout $((10 * SLOW)) --ready "$WORK/r-a2" >"$WORK/a2" &
	$CLIENT "$(sock $id)" WAIT --timeout $((10 * SLOW)) --ready "$WORK/r-w1" >"$WORK/w1" &
	ready "$WORK/r-a1" && ready "$WORK/r-a2" && ready "$WORK/r-w1"
	sleep 0.2
	"$RUNC" --root "$RROOT" kill $id KILL
	wait
	check exec "attacher 1: $(cat "$WORK/a1")" grep -q '^EXIT 137$' "$WORK/a1" || return
	check exec "attacher 2: $(cat "$WORK/a2")" grep -q '^EXIT 137$' "$WORK/a2" || return
	check exec "wait: $(cat "$WORK/w1")" grep -q '"exitCode":137,"signal":9' "$WORK/w1" || return
	# A WAIT after the exit is answered at once (the shim lingers briefly) or the file is there.
	check exec "exit file" grep -q '"signal":9' "$WORK/state/$id/exit" || return
	ok "exec with stdin/exit code, runc exec error, two attachers + WAIT on SIGKILL"
}

# only_init ID: whether only the init is left in the container (runc ps lists the cgroup's pids)
only_init() { [ "$("$RUNC" --root "$RROOT" ps --format json "$1")" = "[$(cat "$WORK/state/$1/pid")]" ]; }
# until_true CMD...: polls CMD until it succeeds (bounded)
until_true() {
	local i
	for i in $(seq 1 $((100 * SLOW))); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

t_exec_client_gone() {
	local id=t-execgone e root
	bundle $id false sleep 300
	# A runtime slow to exit after starting the exec leaves time to hang up between the start and the OK.
	cat >"$WORK/slow-exec-runtime" <<SH
#!/bin/sh
"$RUNC" "\$@"; rc=\$?
case " \$* " in *" exec "*) sleep 1 ;; esac
exit \$rc
SH
	chmod +x "$WORK/slow-exec-runtime"
	IDS+=("$id")
	mkdir -p "$WORK/state" "$WORK/logs"
	OUT=$("${PREFIX[@]}" "$SHIM" --id "$id" --bundle "$WORK/b/$id" --state-dir "$WORK/state/$id" \
		--runtime "$WORK/slow-exec-runtime" --runtime-root "$RROOT" --log-path "$WORK/logs/$id.log")
	check execgone "launch $OUT" [ $? = 0 ] || return
	start $id
	root=/proc/$(cat "$WORK/state/$id/pid")/root
	for n in 1 2; do
		cat >"$WORK/gone$n.json" <<J
{"terminal":false,"user":{"uid":0,"gid":0},"args":["sh","-c","sleep 1000 & touch /dev/shm/started-$n; sleep 1000"],"env":["PATH=/bin"],"cwd":"/"}
J
	done
	# The client goes after the OK: the process and the child it started are killed.
	e=$($CLIENT "$(sock $id)" "EXEC $WORK/gone1.json 0" --hangup --timeout $((10 * SLOW)))
	check execgone "reply: $e" grep -Eq '^REPLY OK [0-9]+$' <<<"$e" || return
	check execgone "started" until_true test -e "$root/dev/shm/started-1" || return
	check execgone "killed once its client left: $("$RUNC" --root "$RROOT" ps $id)" until_true only_init $id || return
	# The client goes after the start but before the OK (berthd killed while the runtime ran): killed once the
	# runtime is done.
	$CLIENT "$(sock $id)" "EXEC $WORK/gone2.json 0" --hangup-before-reply "$root/dev/shm/started-2" \
		--timeout $((10 * SLOW))
	check execgone "started without a client" test -e "$root/dev/shm/started-2" || return
	check execgone "killed without a client: $("$RUNC" --root "$RROOT" ps $id)" until_true only_init $id || return
	"$RUNC" --root "$RROOT" kill $id KILL
	exitof $id >/dev/null
	ok "an exec whose client is gone is killed with its process group, before or after the OK"
}

t_terminal() {
	local id=t-tty r
	bundle $id true sh -c 'sleep 0.5; stty size; echo tty-ok; exit 2'
	launch $id --terminal
	check tty "launch $OUT" [ "$RC" = 0 ] || return
	( ready "$WORK/r-tty" && start $id ) &
	r=$($CLIENT "$(sock $id)" ATTACH --resize 40 100 --timeout $((10 * SLOW)) --ready "$WORK/r-tty")
	wait
	check tty "output: $r" grep -q '40 100.*tty-ok' <<<"$r" || return
	check tty "exit: $r" grep -q '^EXIT 2$' <<<"$r" || return
	check tty "log stdout" grep -q 'stdout F tty-ok' "$WORK/logs/$id.log" || return
	ok "terminal: pty via console socket, resize, exit"
}

t_exec_tty() {
	local id=t-exectty e
	bundle $id false sleep 30
	launch $id
	start $id
	cat >"$WORK/proc-tty.json" <<'J'
{"terminal":true,"user":{"uid":0,"gid":0},"args":["sh","-c","sleep 0.3; tty; exit 4"],"env":["PATH=/bin"],"cwd":"/"}
J
	e=$($CLIENT "$(sock $id)" "EXEC $WORK/proc-tty.json 1" --timeout $((10 * SLOW)))
	check exec-tty "exec: $e" grep -q "^STDOUT '/dev/pts/" <<<"$e" || return
	check exec-tty "exit: $e" grep -q '^EXIT 4$' <<<"$e" || return
	"$RUNC" --root "$RROOT" kill $id KILL
	exitof $id >/dev/null
	ok "exec with a terminal"
}

t_partial_and_rotation() {
	local id=t-rot
	bundle $id false sh -c 'i=0; while [ $i -lt 200 ]; do echo line-$i; i=$((i+1)); done; head -c 20000 /dev/zero | tr "\0" x'
	launch $id --log-max-size 2000 --log-max-files 3
	start $id
	exitof $id >/dev/null
	local L=$WORK/logs/$id.log
	check rotation "log.1 and log.2" [ -s "$L.1" ] && [ -s "$L.2" ] || return
	check rotation "no log.3" [ ! -e "$L.3" ] || return
	# Every entry in every file is well-formed.
	check rotation "format" bash -c '! grep -hEv "^[0-9-]{10}T[0-9:]{8}\.[0-9]{9}Z (stdout|stderr) [FP] " "$@"' - "$L" "$L.1" "$L.2" || return
	# The 20000-byte unterminated line: one 16384-byte P piece then the rest as P at EOF.
	local all
	all=$(cat "$L.2" "$L.1" "$L")
	check rotation "P pieces" [ "$(grep -c ' stdout P x' <<<"$all")" = 2 ] || return
	check rotation "last line-199" grep -q 'stdout F line-199$' <<<"$all" || return
	ok "CRI log: partial lines and rotation"
}

t_slow_client() {
	local id=t-slow
	bundle $id false sh -c 'sleep 0.5; head -c 3000000 /dev/zero; exit 0'
	launch $id
	# An attacher that never reads must not block the container or the shim.
	python3 -c 'import socket,sys,time
s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"ATTACH\n"); open(sys.argv[3], "w").close()
time.sleep(float(sys.argv[2]))' "$(sock $id)" $((8 * SLOW)) "$WORK/r-slow" &
	local reader=$!
	ready "$WORK/r-slow"
	sleep 0.2
	start $id
	local w
	w=$(exitof $id)
	kill $reader 2>/dev/null; wait $reader 2>/dev/null
	check slow "wait: $w" grep -q '"exitCode":0' <<<"$w" || return
	ok "a client that never reads is dropped, the container finishes"
}

t_reopen() {
	local id=t-reopen r
	# "two" waits for SIGUSR1, sent once the log is reopened: no timing assumption on a loaded host.
	bundle $id false sh -c 'trap "echo two; exit 0" USR1; echo one; while :; do sleep 0.1; done'
	launch $id
	start $id
	ready_log() { grep -q 'F one' "$WORK/logs/$id.log"; }
	for _ in $(seq 1 $((40 * SLOW))); do ready_log && break; sleep 0.05; done
	mv "$WORK/logs/$id.log" "$WORK/logs/$id.log.old"
	r=$($CLIENT "$(sock $id)" REOPEN)
	check reopen "reply $r" [ "$r" = "REPLY OK" ] || return
	"$RUNC" --root "$RROOT" kill $id USR1
	exitof $id >/dev/null
	check reopen "old has one" grep -q 'F one' "$WORK/logs/$id.log.old" || return
	check reopen "new has two" grep -q 'F two' "$WORK/logs/$id.log" || return
	ok "REOPEN after external rotation"
}

t_oom() {
	local id=t-oom w
	MEMLIMIT=$((16 * 1024 * 1024)) bundle $id false sh -c 'x=a; while :; do x=$x$x; done'
	launch $id
	start $id
	w=$(exitof $id)
	check oom "wait: $w" grep -q '"exitCode":137,"signal":9,"oomKilled":true' <<<"$w" || return
	ok "OOM kill reported"
}

t_oom_not_init() {
	local id=t-oom-child w
	# The child is OOM-killed and the init exits 0: an OOM kill in the cgroup, but not of the container.
	MEMLIMIT=$((16 * 1024 * 1024)) bundle $id false sh -c "sh -c 'x=a; while :; do x=\$x\$x; done'; exit 0"
	launch $id
	start $id
	w=$(exitof $id)
	check oom-child "wait: $w" grep -q '"exitCode":0,"signal":0,"oomKilled":false' <<<"$w" || return
	ok "an OOM kill of another process is not the init's"
}

t_daemon_gone() {
	local id=t-gone w
	bundle $id false sh -c 'sleep 0.5; echo still-logging'
	launch $id
	# Nobody connects at all: the log and exit file are still written.
	start $id
	check gone "shim exits" wait_gone $id || return
	check gone "exit file" grep -q '"exitCode":0' "$WORK/state/$id/exit" || return
	check gone "log" grep -q 'F still-logging' "$WORK/logs/$id.log" || return
	ok "works with no client connected"
}

t_fds() {
	local id=t-fds shimpid cpid fds cfds
	bundle $id false sleep 30
	# An fd the "daemon" leaves open must not reach the shim or the container.
	exec 7>"$WORK/leak"
	launch $id
	exec 7>&-
	shimpid=$(cut -d' ' -f3 <<<"$OUT"); cpid=$(cut -d' ' -f2 <<<"$OUT")
	start $id
	sleep 0.3
	fds=$(ls /proc/$shimpid/fd | sort -n | tr '\n' ' ')
	cfds=$(ls /proc/$cpid/fd | sort -n | tr '\n' ' ')
	check fds "shim holds the leaked fd: $fds" not bash -c 'for f in /proc/$1/fd/*; do readlink $f; done | grep -q leak' - $shimpid || return
	check fds "shim stdio: $(readlink /proc/$shimpid/fd/1)" [ "$(readlink /proc/$shimpid/fd/1)" = /dev/null ] || return
	check fds "container fds: $cfds" [ "$cfds" = "0 1 2 " ] || return
	check fds "session leader" [ "$(ps -o sid= -p $shimpid | tr -d ' ')" = "$shimpid" ] || return
	"$RUNC" --root "$RROOT" delete -f $id
	check fds "exit after delete" grep -q '"signal":9' <<<"$(exitof $id)" || return
	ok "no inherited fds in shim or container; shim is a session leader"
}

t_parallel_exec() {
	local id=t-par i
	bundle $id false sh -c 'i=0; while :; do echo tick-$i; i=$((i+1)); sleep 0.05; done'
	launch $id
	start $id
	for i in 1 2 3 4 5 6; do
		cat >"$WORK/par$i.json" <<J
{"terminal":false,"user":{"uid":0,"gid":0},"args":["sh","-c","echo par-$i; exit $((10 + i))"],"env":["PATH=/bin"],"cwd":"/"}
J
		$CLIENT "$(sock $id)" "EXEC $WORK/par$i.json 0" --timeout $((20 * SLOW)) >"$WORK/par$i.out" &
	done
	wait
	for i in 1 2 3 4 5 6; do
		check par "exec $i: $(cat "$WORK/par$i.out")" grep -q "^EXIT $((10 + i))$" "$WORK/par$i.out" || return
		check par "exec $i output" grep -q "^STDOUT 'par-$i" "$WORK/par$i.out" || return
	done
	"$RUNC" --root "$RROOT" kill $id KILL
	check par "exit" grep -q '"exitCode":137' <<<"$(exitof $id)" || return
	check par "log kept flowing" grep -q 'stdout F tick-5$' "$WORK/logs/$id.log" || return
	ok "six concurrent execs while the container logs"
}

# A full log file system: the container keeps running (its stdout is drained, entries dropped), the log
# holds whole entries only, and logging resumes once there is space again.
t_log_disk_full() {
	local id=t-full fs=$WORK/fullfs before after
	mkdir -p "$fs"
	check full "mount a 256k tmpfs" mount -t tmpfs -o size=256k berth-shim-test-full "$fs" || return
	bundle $id false sh -c 'i=0; while :; do i=$((i+1)); echo "line-$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"; usleep 2000; done'
	launch $id --log-path "$fs/$id.log"
	check full "launch $OUT" [ "$RC" = 0 ] || { umount "$fs"; return; }
	start $id
	for i in $(seq 1 $((100 * SLOW))); do
		[ "$(df --output=avail "$fs" | tail -1)" -lt 8 ] && break
		sleep 0.1
	done
	sleep $SLOW
	before=$(tail -1 "$fs/$id.log" | grep -o 'line-[0-9]*' | cut -d- -f2)
	check full "shim alive while the disk is full" kill -0 "$(cat "$WORK/state/$id/shim.pid")" || { umount -l "$fs"; return; }
	check full "entries are whole: $(grep -vE "^[0-9-]{10}T[0-9:]{8}\\.[0-9]{9}Z stdout F line-[0-9]+-x+$" "$fs/$id.log" | head -3)" not grep -vqE '^[0-9-]{10}T[0-9:]{8}\.[0-9]{9}Z stdout F line-[0-9]+-x+$' "$fs/$id.log" \
		|| { umount -l "$fs"; return; }
	check full "the log ends with a whole entry" [ -z "$(tail -c1 "$fs/$id.log")" ] || { umount -l "$fs"; return; }
	: >"$fs/$id.log"
	for i in $(seq 1 $((50 * SLOW))); do
		after=$(head -1 "$fs/$id.log" | grep -o 'line-[0-9]*' | cut -d- -f2)
		[ -n "$after" ] && break
		sleep 0.1
	done
	"$RUNC" --root "$RROOT" kill $id KILL
	check full "exit" grep -q '"exitCode":137' <<<"$(exitof $id)" || { umount -l "$fs"; return; }
	umount -l "$fs"
	check full "logging resumed after line $before: first line after ${after:-none}" [ "${after:-0}" -gt "${before:-0}" ] || return
	ok "full log disk: container kept running, whole entries only, logging resumed at line $after (last before: $before)"
}

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
