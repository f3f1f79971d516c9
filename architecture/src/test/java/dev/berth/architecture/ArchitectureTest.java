package dev.berth.architecture;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dependency rules of docs/design.md, checked against the compiled code: the design's table is the
 * one list of allowed arrows, so a new arrow is a change to the design, made where it can be seen.
 */
class ArchitectureTest {
    static final String ROOT = "dev.berth.";
    static final Path DESIGN = Path.of(System.getProperty("berth.repo", "..")).resolve("docs/design.md");

    static JavaClasses berth;
    static DependencyRules rules;

    @BeforeAll
    static void importClasses() throws IOException {
        berth = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.berth");
        rules = DependencyRules.parse(Files.readAllLines(DESIGN));
    }

    @Test
    void theDesignTableIsRead() {
        assertTrue(rules.units().containsAll(List.of("oci", "cgroups", "daemon.cri", "daemon.api.model")),
                "the design's dependency table was not found or is incomplete: " + rules.units());
        assertTrue(berth.size() > 300, "too few classes imported: " + berth.size());
    }

    @Test
    void noPackageCycles() {
        slices().matching("dev.berth.(**)").should().beFreeOfCycles().check(berth);
    }

    @Test
    void everyPackageHasARowInTheDesign() {
        Set<String> unlisted = new TreeSet<>();
        for (JavaClass c : berth) {
            if (rules.unitOf(relative(c.getPackageName())) == null) {
                unlisted.add(c.getPackageName());
            }
        }
        assertEquals(Set.of(), unlisted, "packages with no row in docs/design.md's dependency table");
    }

    @Test
    void dependenciesAreThoseTheDesignAllows() {
        Map<String, Set<String>> forbidden = new TreeMap<>();
        for (JavaClass c : berth) {
            String from = rules.unitOf(relative(c.getPackageName()));
            for (Dependency d : c.getDirectDependenciesFromSelf()) {
                String target = d.getTargetClass().getPackageName();
                if (from == null || !target.startsWith(ROOT)) {
                    continue;
                }
                String to = rules.unitOf(relative(target));
                if (to != null && !to.equals(from) && !rules.allows(from, to)) {
                    forbidden.computeIfAbsent(from + " -> " + to, k -> new TreeSet<>()).add(d.getDescription());
                }
            }
        }
        List<String> report = new ArrayList<>();
        forbidden.forEach((arrow, where) -> report.add(arrow + ", e.g. " + where.iterator().next()));
        assertEquals(List.of(), report, "arrows docs/design.md does not allow");
    }

    private static String relative(String pkg) {
        return pkg.startsWith(ROOT) ? pkg.substring(ROOT.length()) : pkg;
    }
}
