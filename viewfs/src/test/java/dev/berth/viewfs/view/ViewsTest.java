package dev.berth.viewfs.view;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

/** Every view against host files recorded on the 2-CPU, 24 GiB test machine (src/test/resources/host). */
class ViewsTest {
    static final long MIB = 1024 * 1024;

    static String host(String name) {
        try (InputStream in = ViewsTest.class.getResourceAsStream("/host/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An 8-CPU cpuinfo made of the recorded blocks, for views that drop CPUs. */
    static String cpuinfo8() {
        String block = host("cpuinfo").split("\n\n")[0];
        return IntStream.range(0, 8).mapToObj(i -> block.replaceFirst("processor\t: 0", "processor\t: " + i) + "\n\n")
                .collect(Collectors.joining());
    }

    static MemorySnapshot mem(long limit, long usage, long swapLimit, long swapUsage) {
        return new MemorySnapshot(limit, usage, swapLimit, swapUsage, 10 * MIB, 20 * MIB, 1 * MIB, 19 * MIB,
                4 * MIB, 6 * MIB, 0, 2 * MIB, 3 * MIB, 4096, 0, -2, -2);
    }

    @Test
    void meminfoShowsTheLimitInTheKernelsFormat() {
        String out = MeminfoView.render(host("meminfo"), mem(64 * MIB, 30 * MIB, -2, -2));
        Map<String, Long> v = MeminfoView.parse(out);
        assertEquals(65536, v.get("MemTotal"));
        assertEquals(65536 - 30 * 1024, v.get("MemFree"));
        assertEquals(65536 - 30 * 1024 + 10 * 1024, v.get("MemAvailable"));
        assertEquals(10 * 1024, v.get("Cached"));
        assertEquals(0, v.get("Buffers"));
        assertEquals(5 * 1024, v.get("Active"));
        assertEquals(25 * 1024, v.get("Inactive"));
        assertEquals(4, v.get("Dirty"));
        assertEquals(0, v.get("SReclaimable"));
        assertEquals(0, v.get("SwapTotal"));
        assertTrue(out.contains("MemTotal:          65536 kB\n"), out);
        assertTrue(out.contains("HugePages_Total:       0\n"), "lines without kB keep their form");
        assertTrue(out.contains("VmallocTotal:   34359738367 kB\n"), "host-only lines pass through");
        // same lines in the same order as the host's, each as wide as the kernel prints it
        List<String> hostLines = host("meminfo").lines().toList();
        List<String> lines = out.lines().toList();
        assertEquals(hostLines.size(), lines.size());
        for (int i = 0; i < lines.size(); i++) {
            String label = hostLines.get(i).substring(0, hostLines.get(i).indexOf(':'));
            assertTrue(lines.get(i).startsWith(label + ":"), lines.get(i));
            if (Long.toString(MeminfoView.parse(lines.get(i)).get(label)).length() <= 8) {
                assertEquals(hostLines.get(i).length(), lines.get(i).length(), lines.get(i));
            }
        }
    }

    @Test
    void meminfoFreeUsedStaysNonNegativeAsFreeComputesIt() {
        Map<String, Long> v = MeminfoView.parse(MeminfoView.render(host("meminfo"), mem(64 * MIB, 80 * MIB, -2, -2)));
        assertEquals(0, v.get("MemFree"), "usage above the limit (transient) is shown as full");
        long used = v.get("MemTotal") - v.get("MemFree") - v.get("Buffers") - v.get("Cached") - v.get("SReclaimable");
        assertTrue(used >= 0);
        assertTrue(v.get("MemAvailable") <= v.get("MemTotal"));
    }

    @Test
    void meminfoUnlimitedShowsHostTotalAndOwnUsage() {
        Map<String, Long> v = MeminfoView.parse(MeminfoView.render(host("meminfo"), mem(-1, 30 * MIB, -1, 0)));
        assertEquals(24684084, v.get("MemTotal"));
        assertEquals(24684084 - 30 * 1024, v.get("MemFree"));
    }

    @Test
    void meminfoSwapFromMemswAndCappedAtHostSwap() {
        String host = host("meminfo").replace("SwapTotal:             0 kB", "SwapTotal:       1048576 kB")
                .replace("SwapFree:              0 kB", "SwapFree:        1048576 kB");
        Map<String, Long> v = MeminfoView.parse(MeminfoView.render(host, mem(64 * MIB, 30 * MIB, 32 * MIB, 8 * MIB)));
        assertEquals(32768, v.get("SwapTotal"));
        assertEquals(32768 - 8192, v.get("SwapFree"));
        v = MeminfoView.parse(MeminfoView.render(host, mem(64 * MIB, 30 * MIB, 4096 * MIB, 0)));
        assertEquals(1048576, v.get("SwapTotal"));
        v = MeminfoView.parse(MeminfoView.render(host, mem(64 * MIB, 30 * MIB, -1, 0)));
        assertEquals(1048576, v.get("SwapTotal"), "unlimited swap is the host's");
    }

    @Test
    void visibleCpusIsTheSmallerOfCpusetAndRoundedUpQuota() {
        assertEquals(List.of(0, 1), VisibleCpus.of(List.of(0, 1, 2, 3), 150000, 100000));
        assertEquals(List.of(2, 5, 6), VisibleCpus.of(List.of(2, 5, 6), -1, 100000));
        assertEquals(List.of(4), VisibleCpus.of(List.of(4, 5), 10000, 100000), "a fraction of a CPU is one CPU");
        assertEquals(List.of(1, 2), VisibleCpus.of(List.of(1, 2), 800000, 100000));
        assertEquals(List.of(0, 1, 2, 3, 6, 8, 9), CpuList.parse("0-3,6, 8-9\n"));
        assertEquals(List.of(0, 1), new CpuSnapshot(-1, -2, "", 0, 0, 0).visibleCpus(List.of(0, 1)));
        assertThrows(IllegalArgumentException.class, () -> CpuList.parse("0-x"));
    }

    @Test
    void cpuinfoKeepsVisibleBlocksRenumbered() {
        String out = CpuinfoView.render(cpuinfo8(), List.of(3, 5));
        assertEquals(List.of("processor\t: 0", "processor\t: 1"),
                out.lines().filter(l -> l.startsWith("processor")).toList());
        assertEquals(2, out.split("\n\n").length);
        assertTrue(out.endsWith("power management:\n\n"), "blocks end as the kernel ends them");
        assertEquals(host("cpuinfo"), CpuinfoView.render(host("cpuinfo"), List.of(0, 1)), "nothing hidden: the host's file");
    }

    @Test
    void statSpreadsCgroupTimeOverVisibleCpus() {
        // 3.01 s user, 1 s system over a 10 s life on 2 CPUs
        String out = StatView.render(host("stat"), new CpuSnapshot(150000, 100000, "0-7", 3_010_000_000L,
                1_000_000_000L, 4_010_000_000L), 2, 10_000_000_000L);
        List<String> l = out.lines().toList();
        assertEquals("cpu  301 0 100 1599 0 0 0 0 0 0", l.get(0));
        assertEquals("cpu0 151 0 50 799 0 0 0 0 0 0", l.get(1));
        assertEquals("cpu1 150 0 50 800 0 0 0 0 0 0", l.get(2));
        assertTrue(l.get(3).startsWith("intr "));
        assertTrue(out.contains("\nbtime 1795322944\n"), "btime stays the host's");
        assertEquals(host("stat").lines().count(), l.size());
    }

    @Test
    void uptimeFormatsAsTheKernel() {
        assertEquals("12.34 20.00\n", UptimeView.render(12_345_000_000L, 2, 4_690_000_000L));
        assertEquals(3429_740_000_000L, UptimeView.hostUptimeNanos(host("uptime")));
        assertEquals("0.00 0.00\n", UptimeView.render(0, 1, 5));
    }

    @Test
    void cpuOnline() {
        assertEquals("0\n", CpuOnlineView.render(1));
        assertEquals("0-1\n", CpuOnlineView.render(2));
        assertEquals(host("cpu-online"), CpuOnlineView.render(2));
    }

    @Test
    void loadAverageFollowsTheKernelsDecay() {
        LoadAverage a = new LoadAverage();
        for (int i = 0; i < 12; i++) {
            a.update(1);
        }
        // one minute of one busy task: 1 - 1/e for the 1-minute figure, as the kernel computes it
        String line = LoadavgView.render(a.snapshot(), 1, 3, 4242);
        assertEquals("0.63 0.18 0.06 1/3 4242\n", line);
        for (int i = 0; i < 12 * 15; i++) {
            a.update(2);
        }
        assertTrue(LoadavgView.render(a.snapshot(), 2, 2, 1).startsWith("2.00 1.9"), LoadavgView.render(a.snapshot(), 2, 2, 1));
        for (int i = 0; i < 12 * 120; i++) {
            a.update(0);
        }
        assertEquals("0.00 0.00 0.00 0/0 0\n", LoadavgView.render(a.snapshot(), 0, 0, 0));
        assertEquals("0.00", LoadAverage.format(0));
        assertEquals("1.00", LoadAverage.format(LoadAverage.FIXED_1));
    }

    /** A host with 16 GiB of swap: the recorded meminfo had none. */
    static String meminfoWithSwap() {
        return host("meminfo").replace("SwapTotal:             0 kB", "SwapTotal:      16777216 kB")
                .replace("SwapFree:              0 kB", "SwapFree:       16777216 kB");
    }

    @Test
    void swapsShowsTheContainersSwapOrOnlyTheHeader() {
        String header = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n";
        assertEquals(header, host("swaps"), "recorded on a host without swap");
        String out = SwapsView.render(host("swaps"), meminfoWithSwap(), mem(64 * MIB, 30 * MIB, 32 * MIB, 5 * MIB));
        assertEquals(header + "none" + " ".repeat(36) + "virtual\t32768\t\t5120\t\t0\n", out);
        assertEquals(out.lines().skip(1).findFirst().orElseThrow().split("\\s+").length, 5, "five columns as the kernel's");
        // meminfo tells the same figures
        Map<String, Long> m = MeminfoView.parse(MeminfoView.render(meminfoWithSwap(), mem(64 * MIB, 30 * MIB, 32 * MIB, 5 * MIB)));
        assertEquals(32768, m.get("SwapTotal"));
        assertEquals(32768 - 5120, m.get("SwapFree"));

        assertEquals(header, SwapsView.render(host("swaps"), meminfoWithSwap(), mem(64 * MIB, 0, 0, 0)),
                "a swap limit equal to the memory limit: no swap");
        assertEquals(header, SwapsView.render(host("swaps"), host("meminfo"), mem(64 * MIB, 0, -1, 0)),
                "unlimited on a host without swap: no swap");
        assertTrue(SwapsView.render(host("swaps"), meminfoWithSwap(), mem(64 * MIB, 0, -2, -2))
                .contains("virtual\t16777216\t0\t\t0\n"), "not accounted: the host's size, no tab after a long number");
    }

    @Test
    void diskstatsShowsOnlyTheDevicesTheContainerUsedWithItsCounts() {
        Map<String, DeviceIo> io = Map.of("254:0", new DeviceIo(8 * MIB, 4096, 100, 1, 1024, 2),
                "253:0", DeviceIo.NONE, "8:0", new DeviceIo(512, 0, 1, 0, 0, 0));
        String out = DiskstatsView.render(host("diskstats"), io);
        assertEquals(" 254       0 vda 100 0 16384 0 1 0 8 0 0 0 0 2 0 2 0 0 0\n", out,
                "zram0 had no I/O, 8:0 is no host device");
        String hostLine = host("diskstats").lines().findFirst().orElseThrow();
        assertEquals(hostLine.trim().split("\\s+").length, out.trim().split("\\s+").length, "as many fields as the host's");
        String oldKernel = "   8       0 sda 1 2 3 4 5 6 7 8 9 10 11\n";
        assertEquals("   8       0 sda 1 0 1 0 0 0 0 0 0 0 0\n", DiskstatsView.render(oldKernel, io),
                "a host with 11 fields gets 11");
        assertEquals("", DiskstatsView.render(host("diskstats"), Map.of()), "no I/O: no lines, as lxcfs");
    }

    @Test
    void pressureIsTheCgroupsOwnFile() {
        String cgroup = "some avg10=1.50 avg60=0.20 avg300=0.00 total=123\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=7\n";
        assertEquals(cgroup, PressureView.render("some avg10=70.00 ...\n", cgroup));
        assertEquals("host\n", PressureView.render("host\n", null));
    }
}
