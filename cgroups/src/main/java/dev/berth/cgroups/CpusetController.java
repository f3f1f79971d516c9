package dev.berth.cgroups;

import java.nio.file.Path;

/** cpuset.cpus and cpuset.mems, named the same on v1 and v2. */
public abstract class CpusetController {
    protected final Path dir;

    protected CpusetController(Path dir) {
        this.dir = dir;
    }

    public String cpus() {
        return CgroupFiles.readString(dir.resolve("cpuset.cpus"));
    }

    public String mems() {
        return CgroupFiles.readString(dir.resolve("cpuset.mems"));
    }

    /** Null leaves a value unchanged. */
    public void set(String cpus, String mems) {
        if (cpus != null) {
            CgroupFiles.write(dir.resolve("cpuset.cpus"), cpus);
        }
        if (mems != null) {
            CgroupFiles.write(dir.resolve("cpuset.mems"), mems);
        }
    }
}
