package dev.berth.cgroups;

/**
 * How the host mounts cgroups. HYBRID is v1 controllers plus a cgroup2 mount (usually
 * /sys/fs/cgroup/unified) that carries process tracking and at most a few controllers; Berth
 * manages resources through the v1 controllers there.
 */
public enum CgroupMode { V1, HYBRID, V2 }
