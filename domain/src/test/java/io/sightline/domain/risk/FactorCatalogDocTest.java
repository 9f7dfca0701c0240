package io.sightline.domain.risk;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

/** Keeps the factor tables of docs/risk-policy.md §3 equal to the {@link Factor} catalog. */
class FactorCatalogDocTest {

    private static final Pattern RULE = Pattern.compile("^### ([A-Z_]+) \\(level [A-Z]+\\)$");
    private static final Pattern KEY = Pattern.compile("`([A-Za-z][A-Za-z0-9.]*)`");

    private record Row(String rule, List<String> cells) {
    }

    private static Map<String, Row> documentedFactors() throws IOException {
        Path doc = Path.of(System.getProperty("sightline.project.dir", "..")).resolve("docs/risk-policy.md");
        assertThat(doc).as("the risk policy document %s", doc.toAbsolutePath()).exists();
        Map<String, Row> rows = new LinkedHashMap<>();
        String rule = null;
        for (String line : Files.readAllLines(doc)) {
            Matcher heading = RULE.matcher(line);
            if (heading.matches()) {
                rule = heading.group(1);
            } else if (line.startsWith("## ")) {
                rule = null;
            } else if (rule != null && line.startsWith("| `")) {
                List<String> cells = Arrays.stream(line.substring(1, line.length() - 1).split("\\|")).map(String::trim).toList();
                rows.put(cells.get(0).replace("`", ""), new Row(rule, cells));
            }
        }
        return rows;
    }

    @Test
    void everyCataloguedFactorHasARowAndNoRowIsOutsideTheCatalog() throws IOException {
        assertThat(documentedFactors().keySet()).containsExactlyInAnyOrderElementsOf(Stream.of(Factor.values()).map(Factor::key).toList());
    }

    @Test
    void eachRowSaysWhatTheCatalogSays() throws IOException {
        SoftAssertions soft = new SoftAssertions();
        documentedFactors().forEach((name, row) -> Factor.byKey(name).ifPresent(f -> {
            List<String> c = row.cells();
            soft.assertThat(row.rule()).as("%s rule", name).isEqualTo(f.ruleName());
            soft.assertThat(c.get(1)).as("%s human name", name).isEqualTo(f.humanName());
            soft.assertThat(c.get(2).split(" ")[0]).as("%s role", name).isEqualTo(f.role().name().toLowerCase(Locale.ROOT));
            soft.assertThat(c.get(3)).as("%s comparison", name).isEqualTo("`" + f.comparison().symbol() + "`");
            soft.assertThat(c.get(4)).as("%s unit", name).isEqualTo(f.unit().symbol());
            soft.assertThat(KEY.matcher(c.get(5)).results().map(m -> m.group(1)).toList()).as("%s threshold keys", name)
                    .containsExactlyElementsOf(f.thresholdKeys().stream().map(ThresholdKey::key).toList());
        }));
        soft.assertAll();
    }
}
