# Sourced by run-tests.sh (its helpers and $WORK). ATTACH: stdin and output frames, a terminal, a client that never reads.

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
