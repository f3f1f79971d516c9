package dev.berth.viewfs.caller;

import dev.berth.cgroups.proc.ProcSelfCgroup;

import dev.berth.viewfs.io.SmallFiles;

import java.nio.file.Path;
import java.util.List;

/** The few /proc files viewfs reads about other processes, under a root that tests replace. */
public final class ProcFs {
    private final Path root;

    public ProcFs(Path root) {
        this.root = root;
    }

    public static ProcFs host() {
        return new ProcFs(Path.of("/proc"));
    }

    public Path root() {
        return root;
    }

    /**
     * The process (thread group) of a thread: FUSE reports the calling thread's id, and only the
     * process's /proc/PID/cgroup is certain to describe where the container put it. -1 once the
     * thread is gone.
     */
    public int tgid(int tid) {
        String status = read(root.resolve(Integer.toString(tid)).resolve("status"));
        if (status == null) {
            return -1;
        }
        int i = status.indexOf("\nTgid:");
        if (i < 0) {
            return -1;
        }
        int end = status.indexOf('\n', i + 1);
        try {
            return Integer.parseInt(status.substring(i + 6, end < 0 ? status.length() : end).trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The cgroup lines of a process; empty once it is gone. */
    public List<ProcSelfCgroup.Entry> cgroups(int pid) {
        String s = read(root.resolve(Integer.toString(pid)).resolve("cgroup"));
        return s == null ? List.of() : ProcSelfCgroup.parse(s.lines().toList());
    }

    /**
     * The state letter of a thread (R running, D uninterruptible, S sleeping...) from the field after
     * the command name, which may itself hold spaces and parentheses; '?' once it is gone.
     */
    public char threadState(int tid) {
        String stat = read(root.resolve(Integer.toString(tid)).resolve("stat"));
        if (stat == null) {
            return '?';
        }
        int close = stat.lastIndexOf(')');
        return close >= 0 && close + 2 < stat.length() ? stat.charAt(close + 2) : '?';
    }

    /**
     * When the thread started, in clock ticks since boot (field 22 of /proc/TID/stat), -1 once it is
     * gone. With the tid it names one thread for good: a reused tid gets a later start time.
     */
    public long startTime(int tid) {
        String stat = read(root.resolve(Integer.toString(tid)).resolve("stat"));
        if (stat == null) {
            return -1;
        }
        int i = stat.lastIndexOf(')');
        // fields after the command name: state is field 3, starttime field 22
        for (int field = 2; field < 22 && i >= 0; field++) {
            i = stat.indexOf(' ', i + 1);
        }
        if (i < 0) {
            return -1;
        }
        int end = stat.indexOf(' ', i + 1);
        try {
            return Long.parseLong(stat, i + 1, end < 0 ? stat.length() : end, 10);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Null when the file is gone: processes exit between any two reads. */
    public String read(Path file) {
        return SmallFiles.read(file);
    }
}
