# Sourced by run-tests.sh (its helpers and $WORK). The CRI log: partial lines, rotation, REOPEN, a full disk.

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
