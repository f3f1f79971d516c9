# Sourced by run-tests.sh (its helpers and $WORK). EXEC: output, exit codes and errors, a terminal, concurrency, and the process of a client that is gone.

# only_init ID: whether only the init is left in the container (runc ps lists the cgroup's pids)
only_init() { [ "$("$RUNC" --root "$RROOT" ps --format json "$1")" = "[$(cat "$WORK/state/$1/pid")]" ]; }

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
