package io.sightline.edge.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.edge.risk.AlertKind;
import io.sightline.edge.testdata.SafetyTestData;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

class ScenarioSpecParserTest {

    private static String stopped() throws Exception {
        return Files.readString(SafetyTestData.scenarioDir().resolve("nhtsa-fcw-lead-stopped.json"));
    }

    private static ScenarioSpecException rejected(String json) {
        try {
            ScenarioSpecParser.parse(json, "bad.json");
        } catch (ScenarioSpecException e) {
            return e;
        }
        throw new AssertionError("accepted: " + json);
    }

    @Test
    void parsesEveryFieldOfAnExample() throws Exception {
        ScenarioSpec s = ScenarioSpecParser.parse(stopped(), "stopped");
        assertThat(s.id()).isEqualTo("nhtsa-fcw-lead-stopped");
        assertThat(s.durationS()).isEqualTo(9.0);
        assertThat(s.camera().fxPx()).isEqualTo(1000.0);
        assertThat(s.camera().widthPx()).isEqualTo(1280);
        assertThat(s.ego().speedMps()).isEqualTo(20.1168);
        assertThat(s.ego().halfWidthM()).isEqualTo(0.9);
        assertThat(s.actors()).singleElement().satisfies(a -> {
            assertThat(a.className()).isEqualTo("car");
            assertThat(a.rangeM()).isEqualTo(150.0);
        });
        assertThat(s.noise().seed()).isEqualTo(1L);
        assertThat(s.expect()).isEqualTo(new ScenarioSpec.AlertAtTtc(AlertKind.FORWARD_COLLISION, 2.1, 4.0));
        String noHalfWidth = stopped().replace(",\n    \"halfWidthM\": 0.9", "");
        assertThat(ScenarioSpecParser.parse(noHalfWidth, "x").ego().halfWidthM())
                .isEqualTo(ScenarioSpecParser.DEFAULT_EGO_HALF_WIDTH_M);
    }

    @Test
    void nanOrNegativeActorSizeIsRejectedNamingTheField() throws Exception {
        ScenarioSpecException nan = rejected(stopped().replace("\"widthM\": 1.8", "\"widthM\": NaN"));
        assertThat(nan.field()).isEqualTo("actors[0].widthM");
        assertThat(nan.getMessage()).contains("bad.json").contains("actors[0].widthM").contains("positive").contains("NaN");
        ScenarioSpecException neg = rejected(stopped().replace("\"heightM\": 1.5", "\"heightM\": -1.5"));
        assertThat(neg.field()).isEqualTo("actors[0].heightM");
        assertThat(neg.getMessage()).contains("-1.5");
        ScenarioSpecException speed = rejected(stopped().replace("\"speedMps\": 0.0", "\"speedMps\": -2"));
        assertThat(speed.field()).isEqualTo("actors[0].speedMps");
    }

    @Test
    void malformedSpecsNameTheFieldAndWhy() throws Exception {
        assertThat(rejected(stopped().replace("\"durationS\": 9.0,", "")).getMessage())
                .contains("'durationS' is required");
        assertThat(rejected(stopped().replace("\"missProb\": 0.05", "\"missProb\": 1.5")).field())
                .isEqualTo("noise.missProb");
        assertThat(rejected(stopped().replace("\"missProb\": 0.05", "\"missprob\": 0.05")).getMessage())
                .contains("noise.missprob").contains("not part of the scenario spec");
        assertThat(rejected(stopped().replace("\"class\": \"car\"", "\"class\": \"tractor\"")).getMessage())
                .contains("actors[0].class").contains("tractor");
        assertThat(rejected(stopped().replace("\"FORWARD_COLLISION\"", "\"FCW\"")).field()).isEqualTo("expect.alert");
        assertThat(rejected(stopped().replace("\"maxTtcS\": 4.0", "\"maxTtcS\": 1.0")).field()).isEqualTo("expect.maxTtcS");
        assertThat(rejected(stopped().replace("\"width\": 1280", "\"width\": 1280.5")).field()).isEqualTo("camera.width");
        assertThat(rejected(stopped().replace("\"seed\": 1", "\"seed\": \"one\"")).field()).isEqualTo("noise.seed");
        assertThat(rejected(stopped().replace("\"stateRateHz\": 50", "\"stateRateHz\": 0")).field()).isEqualTo("ego.stateRateHz");
        assertThat(rejected(stopped().replace("\"scoreMax\": 0.95", "\"scoreMax\": 0.2")).field()).isEqualTo("noise.scoreMax");
        assertThat(rejected(stopped().replace("\"accelProfile\": []",
                "\"accelProfile\": [{\"atS\": 2, \"accelMps2\": 1}, {\"atS\": 1, \"accelMps2\": 0}]")).field())
                .isEqualTo("actors[0].accelProfile[1].atS");
        assertThat(rejected("{\"id\": ").getMessage()).contains("not valid JSON");
        assertThat(rejected("[1, 2]").getMessage()).contains("JSON object");
    }

    @Test
    void everyExampleParses() throws Exception {
        assertThat(ScenarioSuite.load(ScenarioSuite.filesIn(SafetyTestData.scenarioDir()))).hasSize(8)
                .extracting(ScenarioSpec::id).doesNotHaveDuplicates();
    }
}
