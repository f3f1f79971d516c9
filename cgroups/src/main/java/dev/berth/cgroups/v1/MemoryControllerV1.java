package dev.berth.cgroups.v1;

import dev.berth.cgroups.CgroupFiles;
import dev.berth.oci.BerthException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.BiConsumer;

/** v1 memory controller: memory.{usage,limit}_in_bytes, memory.memsw.*, memory.stat, memory.oom_control. */
public final class MemoryControllerV1 {
    static final String LIMIT = "memory.limit_in_bytes";
    static final String MEMSW_LIMIT = "memory.memsw.limit_in_bytes";
    private final Path dir;
    private final BiConsumer<Path, String> writer;

    public MemoryControllerV1(Path dir) {
        this(dir, CgroupFiles::write);
    }

    /** For tests that check the write order against the kernel's rule. */
    MemoryControllerV1(Path dir, BiConsumer<Path, String> writer) {
        this.dir = dir;
        this.writer = writer;
    }

    public long usage() {
        return CgroupFiles.readLong(dir.resolve("memory.usage_in_bytes"));
    }

    /** -1 unlimited. */
    public long limit() {
        return CgroupFiles.readLong(dir.resolve(LIMIT));
    }

    /** Whether the kernel accounts swap (CONFIG_MEMCG_SWAP and swapaccount=1): the memsw files exist. */
    public boolean swapAccounting() {
        return Files.exists(dir.resolve(MEMSW_LIMIT));
    }

    public long memswUsage() {
        return CgroupFiles.readLong(dir.resolve("memory.memsw.usage_in_bytes"));
    }

    /** memory+swap limit, -1 unlimited. */
    public long memswLimit() {
        return CgroupFiles.readLong(dir.resolve(MEMSW_LIMIT));
    }

    public Map<String, String> stat() {
        return CgroupFiles.readKeyedAll(dir.resolve("memory.stat"));
    }

    /** The "oom_kill" line of memory.oom_control (kernel 4.13+), else UNAVAILABLE. */
    public long oomKillCount() {
        return CgroupFiles.readKeyed(dir.resolve("memory.oom_control"), "oom_kill");
    }

    /** "under_oom 1": tasks are stalled in OOM (only when oom_kill_disable is set). */
    public boolean underOom() {
        return CgroupFiles.readKeyed(dir.resolve("memory.oom_control"), "under_oom") == 1;
    }

    /**
     * Sets memory and memory+swap (either may be null). The kernel rejects any moment where
     * memory.limit_in_bytes &gt; memory.memsw.limit_in_bytes, so as runc does: when the new memsw is
     * unlimited or above the current memory limit, memsw goes first, else memory goes first.
     * Memory set to -1 with swap untouched also lifts memsw (both unlimited), when swap is accounted.
     */
    public void setLimits(Long memory, Long memorySwap) {
        boolean swap = swapAccounting();
        if (memorySwap != null && !swap) {
            throw new BerthException(BerthException.Kind.FAILED_PRECONDITION,
                    "set memory+swap limit: this kernel does not account swap (no " + MEMSW_LIMIT + ")");
        }
        Long memsw = memorySwap;
        if (memory != null && memory == -1 && memsw == null && swap) {
            memsw = -1L;
        }
        if (memory != null && memsw != null) {
            long current = limit();
            // raising: memsw first so memory never exceeds it; lowering: memory first
            if (memsw == -1 || (current >= 0 && current < memsw)) {
                writeLimit(MEMSW_LIMIT, memsw);
                writeLimit(LIMIT, memory);
                return;
            }
        }
        if (memory != null) {
            writeLimit(LIMIT, memory);
        }
        if (memsw != null) {
            writeLimit(MEMSW_LIMIT, memsw);
        }
    }

    private void writeLimit(String file, long v) {
        // v1 takes -1 for "no limit"; it has no "max" keyword
        writer.accept(dir.resolve(file), Long.toString(v < 0 ? -1 : v));
    }
}
