#!/usr/bin/env bash
# Starts berthd (as a systemd unit where systemd runs, else in the background) and runs a container
# from the built-in image.
set -euo pipefail
sock=/run/berth/berth.sock
if ! curl -s --unix-socket "$sock" http://d/v1/version >/dev/null 2>&1; then
  if [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    systemctl start berthd
  else
    mkdir -p /var/log
    nohup berthd >>/var/log/berthd.log 2>&1 &
    echo "berthd started in the background (pid $!), log in /var/log/berthd.log"
  fi
  for _ in $(seq 1 100); do
    curl -s --unix-socket "$sock" http://d/v1/version >/dev/null 2>&1 && break
    sleep 0.1
  done
fi
set -x
berth version
berth images
berth run --rm busybox sh -c 'echo "hello from a Berth container: $(hostname), pid $$, $(id -un)"; uname -a'
berth run -d --name demo-sleeper --memory 64m --cpus 0.5 busybox sleep 30
berth ps
berth stats --no-stream demo-sleeper
berth exec demo-sleeper cat /sys/fs/cgroup/memory/memory.limit_in_bytes
berth rm -f demo-sleeper
