# Shell helpers the benchmark scripts share; sourced, not run.
wait_for() { # seconds, command...: polls until the command succeeds
  local t=$1; shift
  for _ in $(seq 1 $((t * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "timed out waiting for: $*" >&2; return 1
}
free_port() { # a TCP port on 127.0.0.1 that nothing listens on now
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
start_registry() { # ADDR DIR LOG: docker-registry on ADDR storing in DIR/registry; its pid joins pids
  cat >"$2/registry.yml" <<YML
version: 0.1
storage:
  filesystem:
    rootdirectory: $2/registry
http:
  addr: $1
YML
  setsid docker-registry serve "$2/registry.yml" >"$3" 2>&1 &
  pids+=($!)
  wait_for 20 curl -sf "http://$1/v2/"
}
