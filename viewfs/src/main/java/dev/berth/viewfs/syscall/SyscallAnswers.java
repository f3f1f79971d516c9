package dev.berth.viewfs.syscall;

import dev.berth.viewfs.caller.Caller;
import dev.berth.viewfs.caller.CallerResolver;
import dev.berth.viewfs.fuse.ViewFiles;
import dev.berth.viewfs.view.CpuList;

import java.util.List;

/**
 * What a container's notified sysinfo(2) or sched_getaffinity(2) returns: its view, from the same
 * computations as its /proc and /sys files ({@link ViewFiles}). Anything else, a host caller, another
 * architecture, sched_getaffinity of another process: the real syscall.
 */
final class SyscallAnswers {
    /** The target's memory, reached only while its notification is still pending. */
    interface Target {
        /** SECCOMP_IOCTL_NOTIF_ID_VALID: the caller still waits (and so its pid is still its own). */
        boolean pending();

        /** Writes {@code bytes} at the caller's {@code address}; false if that memory is not writable. */
        boolean write(long address, byte[] bytes);

        /** The calling thread's real affinity, ascending. */
        List<Integer> affinity();
    }

    private final CallerResolver callers;
    private final ViewFiles files;
    private final int nrCpuIds;
    private final int kernelMaskBytes;

    /**
     * @param nrCpuIds        the kernel's nr_cpu_ids (highest possible CPU + 1)
     * @param kernelMaskBytes the kernel's cpumask size: the most sched_getaffinity writes
     */
    SyscallAnswers(CallerResolver callers, ViewFiles files, int nrCpuIds, int kernelMaskBytes) {
        this.callers = callers;
        this.files = files;
        this.nrCpuIds = nrCpuIds;
        this.kernelMaskBytes = kernelMaskBytes;
    }

    /** The answer, or null when the caller no longer waits for one (it died or a signal interrupted it). */
    Response answer(Notification n, Target target) {
        if (n.arch() != Notification.AUDIT_ARCH_X86_64
                || (n.nr() != Notification.NR_SYSINFO && n.nr() != Notification.NR_SCHED_GETAFFINITY)) {
            return Response.realSyscall(n.id());
        }
        Caller caller = callers.resolve(n.pid());
        if (caller.isHost()) {
            return Response.realSyscall(n.id());
        }
        long address;
        byte[] result;
        long value;
        if (n.nr() == Notification.NR_SYSINFO) {
            address = n.args()[0];
            result = SysinfoStruct.encode(files.sysinfo(caller.container()));
            value = 0;
        } else {
            // pid 0 is the caller; another pid is in the caller's pid namespace, which this does not map
            if (n.args()[0] != 0) {
                return Response.realSyscall(n.id());
            }
            long len = n.args()[1] & 0xffffffffL;
            if (AffinityMask.invalidLength(len, nrCpuIds)) {
                return Response.failure(n.id(), Response.EINVAL);
            }
            int bytes = AffinityMask.returnedLength(len, kernelMaskBytes);
            List<Integer> real = target.affinity();
            if (real.isEmpty()) {
                return Response.realSyscall(n.id());
            }
            address = n.args()[2];
            result = AffinityMask.encode(real, files.visibleCpuCount(caller.container()), bytes);
            value = bytes;
        }
        if (!target.pending()) {
            return null;
        }
        if (!target.write(address, result)) {
            return Response.failure(n.id(), Response.EFAULT);
        }
        return target.pending() ? Response.value(n.id(), value) : null;
    }

    /** Cpus_allowed_list of a /proc/TID/status text, or empty when it has none. */
    static List<Integer> affinityOf(String status) {
        if (status != null) {
            for (String line : status.split("\n")) {
                if (line.startsWith("Cpus_allowed_list:")) {
                    return CpuList.parse(line.substring("Cpus_allowed_list:".length()).trim());
                }
            }
        }
        return List.of();
    }
}
