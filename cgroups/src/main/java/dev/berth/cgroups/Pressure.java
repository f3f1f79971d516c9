package dev.berth.cgroups;

import java.nio.file.Path;

/**
 * PSI "some avg10" (percent of the last 10 s in which at least one task stalled) per resource,
 * from cpu.pressure, memory.pressure and io.pressure of a cgroup2 directory. NaN where the file is
 * missing (kernel without PSI, or psi=0).
 */
public record Pressure(double cpuSomeAvg10, double memorySomeAvg10, double ioSomeAvg10) {
    public static Pressure read(Path dir) {
        return new Pressure(someAvg10(dir.resolve("cpu.pressure")), someAvg10(dir.resolve("memory.pressure")),
                someAvg10(dir.resolve("io.pressure")));
    }

    /** Parses "some avg10=0.12 avg60=... total=..." from the first line. */
    static double someAvg10(Path file) {
        String s = CgroupFiles.readString(file);
        if (s == null) {
            return Double.NaN;
        }
        for (String line : s.split("\n")) {
            if (!line.startsWith("some ")) {
                continue;
            }
            for (String kv : line.split(" ")) {
                if (kv.startsWith("avg10=")) {
                    try {
                        return Double.parseDouble(kv.substring(6));
                    } catch (NumberFormatException e) {
                        return Double.NaN;
                    }
                }
            }
        }
        return Double.NaN;
    }
}
