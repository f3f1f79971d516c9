#!/usr/bin/env bash
# Starts berth-viewfs (the resource views) and berthd, as their systemd units where systemd runs, else in
# the background with the units' arguments, and runs containers from the built-in image.
set -euo pipefail
sock=/run/berth/berth.sock
views=/var/lib/berth-viewfs # berth-viewfs.service's mount point, berthd's default resource_views
serving() { grep -q " $views " /proc/self/mountinfo && [ -e "$views/proc/meminfo" ]; }
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload
fi
# The views first, so that containers have them from their start (berthd adds them to earlier ones later).
if ! serving; then
  if [ -d /run/systemd/system ]; then
    systemctl start berth-viewfs || true # Type=notify: returns once the mount serves
    log="journalctl -u berth-viewfs"
  else
    mkdir -p "$views" /var/log
    log=/var/log/berth-viewfs.log
    nohup berth-viewfs "$views" >>"$log" 2>&1 &
    viewfs=$!
    echo "berth-viewfs started in the background (pid $viewfs), log in $log"
    for _ in $(seq 1 300); do
      serving || ! kill -0 "$viewfs" 2>/dev/null && break
      sleep 0.1
    done
  fi
  if ! serving; then
    echo "berth-viewfs is not serving $views (log: $log): containers will see the host's memory and CPUs" >&2
  fi
fi
if ! curl -s --unix-socket "$sock" http://d/v1/version >/dev/null 2>&1; then
  if [ -d /run/systemd/system ]; then
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
berth info
berth images
berth run --rm busybox sh -c 'echo "hello from a Berth container: $(hostname), pid $$, $(id -un)"; uname -a'
# With the views the container's /proc shows its limits: MemTotal 262144 kB and one processor.
berth run --rm --memory 256m --cpus 1 busybox sh -c 'grep MemTotal /proc/meminfo; grep -c ^processor /proc/cpuinfo'
berth run -d --name demo-sleeper --memory 64m --cpus 0.5 busybox sleep 30
berth ps
berth stats --no-stream demo-sleeper
berth exec demo-sleeper cat /sys/fs/cgroup/memory/memory.limit_in_bytes
berth rm -f demo-sleeper
