# Sourced by run-tests.sh (its helpers and $WORK). OOM kills: of the init, and of another process in its cgroup.

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
