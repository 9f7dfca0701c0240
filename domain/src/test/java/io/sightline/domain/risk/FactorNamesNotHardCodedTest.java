package io.sightline.domain.risk;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * No main source outside the catalog spells a factor name or threshold key as a literal: a copy
 * is how the what-if binding came to name a factor the edge no longer emitted. Tests may spell
 * them, since they pin the recorded wire format.
 */
class FactorNamesNotHardCodedTest {

    private static final Path ROOT = Path.of(System.getProperty("sightline.project.dir", ".."));
    private static final Path CATALOG = Path.of("domain", "src", "main", "java", "io", "sightline", "domain", "risk");

    private static List<String> literals() {
        List<String> out = new ArrayList<>();
        Stream.concat(Stream.of(Factor.values()).map(Factor::key), Stream.of(ThresholdKey.values()).map(ThresholdKey::key))
                .forEach(k -> {
                    out.add('"' + k + '"');
                    out.add("'" + k + "'");
                });
        return out;
    }

    private static boolean isSource(Path p) {
        String n = p.getFileName().toString();
        return n.endsWith(".java") || n.endsWith(".js") || n.endsWith(".html");
    }

    @Test
    void onlyTheCatalogSpellsFactorNamesAndThresholdKeys() throws IOException {
        List<String> literals = literals();
        List<Path> mainDirs;
        try (Stream<Path> modules = Files.list(ROOT)) {
            mainDirs = modules.map(m -> m.resolve("src/main")).filter(Files::isDirectory).toList();
        }
        assertThat(mainDirs).as("module main sources under %s", ROOT.toAbsolutePath()).hasSizeGreaterThan(5);
        List<String> offences = new ArrayList<>();
        for (Path dir : mainDirs) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.filter(Files::isRegularFile).filter(FactorNamesNotHardCodedTest::isSource)
                        .filter(p -> !ROOT.relativize(p).startsWith(CATALOG))
                        .forEach(p -> {
                            String text = read(p);
                            literals.stream().filter(text::contains).forEach(l -> offences.add(ROOT.relativize(p) + ": " + l));
                        });
            }
        }
        assertThat(offences).as("use io.sightline.domain.risk.Factor / ThresholdKey instead").isEmpty();
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
