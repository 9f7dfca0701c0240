package io.sightline.edge.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.ingest.EventCodec;
import io.sightline.edge.events.EdgeEventSink;
import io.sightline.edge.scenario.ScenarioRunner;
import io.sightline.edge.scenario.ScenarioSpec;
import io.sightline.edge.scenario.ScenarioSpecParser;
import io.sightline.edge.testdata.SafetyTestData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Pins every event the example scenarios produce, byte for byte, to digests recorded before the
 * rule sets became applications on the SPI (ADR-0029). A change of any emitted payload, id, time or
 * order fails here; a deliberate change (a new policy version) rewrites the file with
 * {@code -Dsightline.golden.update=true} and says why in its commit.
 */
class ApplicationsGoldenTest {

    static final int SEEDS = 5;
    static final Path GOLDEN = Path.of("src/test/resources/golden/scenario-events.sha256");

    @Test
    void exampleScenariosEmitTheRecordedEventsByteForByte() throws Exception {
        Map<String, String> actual = new TreeMap<>();
        EventCodec codec = new EventCodec();
        List<Path> specs;
        try (Stream<Path> files = Files.list(SafetyTestData.scenarioDir())) {
            specs = files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        for (Path file : specs) {
            ScenarioSpec spec = ScenarioSpecParser.parse(file);
            for (int i = 0; i < SEEDS; i++) {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                long[] seq = {0};
                EdgeEventSink digest = (id, at, event) -> {
                    String line = codec.encode(new EventEnvelope(id, seq[0]++, at, event)).toString() + "\n";
                    sha.update(line.getBytes(StandardCharsets.UTF_8));
                };
                ScenarioRunner.withDefaults().run(spec, spec.noise().seed() + i, digest);
                actual.put(file.getFileName() + "#" + (spec.noise().seed() + i) + " (" + seq[0] + " events)",
                        HexFormat.of().formatHex(sha.digest()));
            }
        }
        StringBuilder text = new StringBuilder();
        actual.forEach((k, v) -> text.append(v).append("  ").append(k).append('\n'));
        if (Boolean.getBoolean("sightline.golden.update")) {
            Files.writeString(GOLDEN, text.toString());
        }
        assertEquals(read(), text.toString(), "the scenarios' events differ from " + GOLDEN
                + "; if the change is deliberate (a new policy version), rerun with -Dsightline.golden.update=true");
    }

    private static String read() throws IOException {
        return Files.readString(GOLDEN);
    }
}
