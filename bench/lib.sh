# Shell helpers the benchmark scripts share; sourced, not run.
wait_for() { # seconds, command...: polls until the command succeeds
  local t=$1; shift
  for _ in $(seq 1 $((t * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "timed out waiting for: $*" >&2; return 1
}
free_port() { # a TCP port on 127.0.0.1 that nothing listens on now
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
