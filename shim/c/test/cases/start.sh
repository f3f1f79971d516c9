# Sourced by run-tests.sh (its helpers and $WORK). Start-up and the end: the answer line, the exit record, the CRI log; no client needed; no fds leak.

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
