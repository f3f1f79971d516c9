package dev.berth.viewfs.cgroup;

/**
 * What changes only when someone changes a container's configuration (berth update, a parent's
 * limits, cpuset hotplug): read by walking up the hierarchy, so cached by {@link LimitsCache}.
 *
 * @param memory       the tightest memory limit on the way to the root, -1 unlimited
 * @param swap         the tightest swap-only limit (v1: memsw minus memory), -1 unlimited, -2 when swap is not accounted
 * @param quotaMicros  the tightest CFS quota, -1 unlimited, -2 unavailable; {@code periodMicros} alongside
 * @param cpuset       the effective cpuset in the kernel's list format; null when no cpuset controller
 * @param createdEpochNanos see {@link CgroupSource#createdEpochNanos}
 */
public record Limits(long memory, long swap, long quotaMicros, long periodMicros, String cpuset, long createdEpochNanos) {
}
