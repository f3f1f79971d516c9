package dev.berth.cgroups.v2;

import dev.berth.cgroups.CgroupFiles;

import java.nio.file.Path;
import java.util.Map;

/** v2 memory controller: memory.current/max, memory.swap.current/max, memory.stat, memory.events. */
public final class MemoryControllerV2 {
    private final Path dir;

    public MemoryControllerV2(Path dir) {
        this.dir = dir;
    }

    public long current() {
        return CgroupFiles.readLong(dir.resolve("memory.current"));
    }

    /** -1 for "max". */
    public long max() {
        return CgroupFiles.readLong(dir.resolve("memory.max"));
    }

    public long swapCurrent() {
        return CgroupFiles.readLong(dir.resolve("memory.swap.current"));
    }

    /** Swap alone (not memory+swap as in v1), -1 for "max". */
    public long swapMax() {
        return CgroupFiles.readLong(dir.resolve("memory.swap.max"));
    }

    public Map<String, String> stat() {
        return CgroupFiles.readKeyedAll(dir.resolve("memory.stat"));
    }

    /** memory.events "oom_kill" (hierarchical: includes descendants). */
    public long oomKillCount() {
        return CgroupFiles.readKeyed(dir.resolve("memory.events"), "oom_kill");
    }

    public void setMax(long max) {
        CgroupFiles.write(dir.resolve("memory.max"), CgroupFiles.limitValue(max));
    }

    public void setSwapMax(long swapMax) {
        CgroupFiles.write(dir.resolve("memory.swap.max"), CgroupFiles.limitValue(swapMax));
    }
}
