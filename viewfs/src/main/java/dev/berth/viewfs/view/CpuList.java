package dev.berth.viewfs.view;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/** The kernel's cpu list format ("0-3,6,8-9"), as in cpuset.cpus and /sys/devices/system/cpu/online. */
public final class CpuList {
    private CpuList() {
    }

    /** Ascending, without duplicates; empty for null or blank text. */
    public static List<Integer> parse(String text) {
        TreeSet<Integer> cpus = new TreeSet<>();
        if (text == null || text.isBlank()) {
            return List.of();
        }
        for (String part : text.trim().split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            int dash = p.indexOf('-');
            try {
                if (dash < 0) {
                    cpus.add(Integer.parseInt(p));
                } else {
                    int from = Integer.parseInt(p.substring(0, dash));
                    int to = Integer.parseInt(p.substring(dash + 1));
                    for (int c = from; c <= to; c++) {
                        cpus.add(c);
                    }
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("parse cpu list '" + text + "': bad element '" + p + "'", e);
            }
        }
        return List.copyOf(new ArrayList<>(cpus));
    }
}
