package dev.berth.cli;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TableTest {
    @Test
    void alignsColumnsWithThreeSpaces() {
        String s = new Table("A", "LONG HEADER", "C").row("wide cell", "x", "last").row("", "", "").render();
        assertEquals(""
                + "A           LONG HEADER   C\n"
                + "wide cell   x             last\n"
                + "\n", s);
    }

    @Test
    void rejectsRowsOfTheWrongWidth() {
        assertThrows(IllegalArgumentException.class, () -> new Table("A", "B").row("1"));
    }

    /** The ps table's lines for a REST container list, at 2026-11-22T10:00:00Z. */
    private static String[] psLines(String json) throws Exception {
        List<Object> list = Json.list(Json.parse(json));
        return ContainerCommands.psTable(list, Instant.parse("2026-11-22T10:00:00Z"), false).render().split("\n");
    }

    @Test
    void psTableLikeDocker() throws Exception {
        String[] lines = psLines("["
                + "{\"id\":\"3f2a0123456789abcdef\",\"name\":\"web\",\"image\":\"busybox\",\"command\":[\"sh\",\"-c\",\"echo hello world; sleep 100\"],"
                + "\"createdAt\":\"2026-11-22T09:57:00Z\",\"state\":\"running\",\"startedAt\":\"2026-11-22T09:59:57Z\"},"
                + "{\"id\":\"77aa00000000000000\",\"name\":\"done\",\"image\":\"alpine\",\"command\":[\"true\"],"
                + "\"createdAt\":\"2026-11-22T08:00:00Z\",\"state\":\"exited\",\"exitCode\":3,\"finishedAt\":\"2026-11-22T09:58:00Z\"},"
                + "{\"id\":\"55\",\"name\":\"new\",\"image\":\"alpine\",\"command\":[],\"createdAt\":\"2026-11-22T09:59:59.5Z\",\"state\":\"created\"}"
                + "]");
        String s = String.join("\n", lines);
        assertEquals(4, lines.length, s);
        assertEquals("CONTAINER ID   IMAGE     COMMAND                  CREATED                  STATUS                     NAMES", lines[0]);
        assertEquals("3f2a01234567   busybox   \"sh -c echo hello wo…\"   3 minutes ago            Up 3 seconds               web", lines[1]);
        assertEquals("77aa00000000   alpine    \"true\"                   2 hours ago              Exited (3) 2 minutes ago   done", lines[2]);
        assertEquals("55             alpine    \"\"                       Less than a second ago   Created                    new", lines[3]);
        // every column starts at the same offset on every line
        int col = lines[0].indexOf("STATUS");
        assertEquals("Up 3 seconds", lines[1].substring(col, col + 12));
        assertEquals(ContainerCommands.command(List.of("sh", "-c", "echo hello world; sleep 100"), true),
                "\"sh -c echo hello world; sleep 100\"");
    }

    @Test
    void psTableShowsBrokenContainersWithWhatIsKnownOfThem() throws Exception {
        String[] lines = psLines("["
                + "{\"id\":\"3f2a0123456789abcdef\",\"name\":\"web\",\"image\":\"busybox\",\"command\":[\"true\"],"
                + "\"createdAt\":\"2026-11-22T09:57:00Z\",\"state\":\"broken\",\"reason\":\"read state.json: empty\"},"
                + "{\"id\":\"77aa00000000000000\",\"name\":null,\"image\":null,\"command\":[],\"createdAt\":null,"
                + "\"state\":\"broken\",\"reason\":\"read container.json: malformed\"}"
                + "]");
        assertEquals(3, lines.length);
        assertEquals("CONTAINER ID   IMAGE     COMMAND   CREATED         STATUS   NAMES", lines[0]);
        assertEquals("3f2a01234567   busybox   \"true\"    3 minutes ago   Broken   web", lines[1]);
        // container.json unreadable: only the id is known
        assertEquals("77aa00000000             \"\"                        Broken", lines[2]);
    }

    @Test
    void imagesTableSplitsNamesIntoRepositoryAndTag() throws Exception {
        Instant now = Instant.parse("2026-11-22T10:00:00Z");
        List<Object> list = Json.list(Json.parse("[{\"id\":\"sha256:abcdef0123456789ffff\",\"names\":"
                + "[\"localhost/busybox:latest\",\"localhost:5000/x/y:1.0\"],\"size\":4261376,\"createdAt\":\"2026-11-20T10:00:00Z\"},"
                + "{\"id\":\"sha256:0000111122223333\",\"names\":[],\"size\":999,\"createdAt\":null}]"));
        String[] lines = ImageCommands.imagesTable(list, now, false, false).render().split("\n");
        assertEquals("REPOSITORY           TAG      IMAGE ID       CREATED      SIZE", lines[0]);
        assertEquals("localhost/busybox    latest   abcdef012345   2 days ago   4.26MB", lines[1]);
        assertEquals("localhost:5000/x/y   1.0      abcdef012345   2 days ago   4.26MB", lines[2]);
        assertEquals("<none>               <none>   000011112222                999B", lines[3]);
        assertEquals(List.of("busybox", "<none>"), List.of(ImageCommands.splitRef("busybox")));
        assertEquals(List.of("a/b", "<none>"), List.of(ImageCommands.splitRef("a/b@sha256:00")));
    }

    @Test
    void statsRowsComputeCpuAndMemoryPercent() throws Exception {
        @SuppressWarnings("unchecked")
        Map<String, Object>[] a = new Map[] {Json.map(Json.parse("{\"id\":\"0123456789abcdef\",\"name\":\"w\","
                + "\"timestamp\":\"2026-11-22T10:00:00Z\",\"cpuUsageNanos\":1000000000,\"memoryUsage\":0,\"memoryLimit\":-1,\"pids\":1}"))};
        @SuppressWarnings("unchecked")
        Map<String, Object>[] b = new Map[] {Json.map(Json.parse("{\"id\":\"0123456789abcdef\",\"name\":\"w\","
                + "\"timestamp\":\"2026-11-22T10:00:00.500Z\",\"cpuUsageNanos\":1250000000,\"memoryUsage\":67108864,"
                + "\"memoryLimit\":268435456,\"pids\":7}"))};
        String[] lines = ContainerCommands.statsTable(a, b, 1L << 34).render().split("\n");
        assertEquals("CONTAINER ID   NAME   CPU %    MEM USAGE / LIMIT   MEM %    PIDS", lines[0]);
        assertEquals("0123456789ab   w      50.00%   64MiB / 256MiB      25.00%   7", lines[1]);
        // unlimited memory: percent of the host's
        String unl = ContainerCommands.statsTable(b, a, 1L << 30).render().split("\n")[1];
        assertEquals("0123456789ab   w      0.00%   0B / 1GiB           0.00%   1", unl);
        assertEquals("0.07%", ContainerCommands.percent(0.0666));
        assertEquals("123.40%", ContainerCommands.percent(123.4));
    }
}
