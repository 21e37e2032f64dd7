package io.kaji.support.assess;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** docs/assessment.md lists every check the registry has: the coverage table row per CIS id, and the PSS/REL ids. */
class AssessmentDocTest {

    @Test
    void theCoverageTableMatchesTheRegistry() throws IOException {
        String doc = Files.readString(Path.of("../docs/assessment.md"));
        List<Check> checks = CheckRegistry.builtin().checks();
        for (Check c : checks) {
            if (Character.isDigit(c.id().charAt(0))) {
                String row = doc.lines().filter(l -> l.startsWith("| " + c.id() + " | ")).findFirst()
                        .orElseThrow(() -> new AssertionError("no row for " + c.id()));
                String[] cells = row.split(" \\| ");
                assertThat(cells[1]).as(c.id()).isEqualTo(c.title());
                assertThat(cells[2].equals("manual")).as(c.id() + " automated column").isEqualTo(!c.automated());
            } else {
                assertThat(doc).as(c.id()).contains("| `" + c.id() + "` |");
            }
        }
        assertThat(doc.lines().filter(l -> l.matches("\\| \\d+(\\.\\d+)+ \\|.*")).count()).isEqualTo(131);
    }
}
