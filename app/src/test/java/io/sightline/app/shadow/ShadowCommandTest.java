package io.sightline.app.shadow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sightline.app.CliRun;
import io.sightline.edge.risk.RiskPolicy;
import io.sightline.app.WrongSettingException;
import io.sightline.app.clip.HazardClipCommand;
import io.sightline.inference.ProjectHome;
import io.sightline.testkit.ProjectHomeExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./sightline shadow} on the bundled forward-collision clip with the real decoder, the real
 * ONNX models and the real tracker, range, policy and actuation on both sides.
 */
@ExtendWith(ProjectHomeExtension.class)
class ShadowCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static String clip() {
        return ProjectHome.get().resolve(HazardClipCommand.DEFAULT_OUT).toString();
    }

    private JsonNode shadow(String... extra) throws Exception {
        Path out = dir.resolve("shadow-" + System.nanoTime() + ".json");
        String[] args = Stream.concat(Stream.of("shadow", "--video", clip(), "--json", out.toString()), Stream.of(extra))
                .toArray(String[]::new);
        CliRun run = CliRun.of(args);
        System.out.println(run.out());
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).contains("detections: challenger against champion", "alerts: same kind within",
                "reviewed true-positive alert");
        return JSON.readTree(out.toFile());
    }

    @Test
    void theChampionAgainstItselfAgreesCompletely() throws Exception {
        JsonNode r = shadow("--champion", "yolox-nano", "--challenger", "yolox-nano");
        assertThat(r.path("frames").asLong()).isEqualTo(221);
        JsonNode overall = r.path("detections").path("overall");
        assertThat(overall.path("championBoxes").asLong()).isPositive();
        assertThat(overall.path("f1").asDouble()).isEqualTo(1.0);
        assertThat(overall.path("falsePositives").asLong()).isZero();
        assertThat(overall.path("falseNegatives").asLong()).isZero();
        r.path("detections").path("perClass").forEach(c -> assertThat(c.path("f1").asDouble()).isEqualTo(1.0));
        JsonNode alerts = r.path("alerts");
        assertThat(alerts.path("agreed").size()).as("the clip's forward-collision warning, on both sides").isPositive();
        assertThat(alerts.path("championOnly").size()).isZero();
        assertThat(alerts.path("challengerOnly").size()).isZero();
        assertThat(alerts.path("agreement").asDouble()).isEqualTo(1.0);
        for (JsonNode a : alerts.path("agreed")) {
            assertThat(a.path("deltaS").asDouble()).isZero();
        }
        assertThat(r.path("ttcAtFirstWarning").size()).isPositive();
        for (JsonNode t : r.path("ttcAtFirstWarning")) {
            assertThat(t.path("differenceS").asDouble()).isZero();
        }
        assertThat(r.path("champion").path("inferenceLatency").path("count").asLong()).isEqualTo(221);
        assertThat(r.path("challenger").path("inferenceLatency").path("p99Ms").asDouble()).isPositive();
        assertThat(r.path("reviewedTruePositivesMissed").path("measured").asBoolean()).isFalse();
    }

    @Test
    void fastestDetAgainstYoloxDisagreesMeasurably() throws Exception {
        JsonNode r = shadow("--champion", "yolox-nano", "--challenger", "fastestdet");
        // Measured: overall F1 0.71 (precision 0.91, recall 0.58); cars 751 champion boxes, F1 0.72. FastestDet
        // reports above 0.65 only and misses the small, distant cars YOLOX-nano keeps.
        JsonNode overall = r.path("detections").path("overall");
        assertThat(overall.path("f1").asDouble()).isBetween(0.4, 0.95);
        assertThat(overall.path("precision").asDouble()).isBetween(0.7, 1.0);
        assertThat(overall.path("recall").asDouble()).isBetween(0.3, 0.9);
        JsonNode car = r.path("detections").path("perClass").path("car");
        assertThat(car.path("championBoxes").asLong()).isGreaterThan(500);
        assertThat(car.path("recall").asDouble()).isBetween(0.3, 0.9);
        assertThat(car.path("precision").asDouble()).isBetween(0.7, 1.0);
        assertThat(car.path("f1").asDouble()).isBetween(0.5, 0.95);
        long tp = car.path("truePositives").asLong();
        assertThat(tp + car.path("falseNegatives").asLong()).isEqualTo(car.path("championBoxes").asLong());
        assertThat(tp + car.path("falsePositives").asLong()).isEqualTo(car.path("challengerBoxes").asLong());
        assertThat(car.path("f1").asDouble()).isCloseTo(2.0 * tp / (car.path("championBoxes").asLong()
                + car.path("challengerBoxes").asLong()), org.assertj.core.api.Assertions.within(1e-12));
        // Both still see the slower lead in time: the warning is the clip's, and TTCs stay within a second.
        JsonNode fcw = r.path("ttcAtFirstWarning");
        assertThat(fcw.size()).isEqualTo(1);
        assertThat(Math.abs(fcw.get(0).path("differenceS").asDouble())).isLessThan(1.0);
    }

    @Test
    void aRaisedScoreThresholdHidesBoxesAndRecallDrops() throws Exception {
        // Half the clip is enough to see boxes go (and keeps the test's time down): the lead's approach is in it.
        JsonNode r = shadow("--champion", "yolox-nano", "--challenger", "yolox-nano", "--challenger-min-score", "0.6",
                "--max-frames", "110");
        assertThat(r.path("frames").asLong()).isEqualTo(110);
        JsonNode overall = r.path("detections").path("overall");
        long hidden = r.path("challenger").path("hiddenBoxes").asLong();
        assertThat(hidden).isPositive();
        // The same weights: every box it keeps is one of the champion's, and every box it hid is a miss.
        assertThat(overall.path("precision").asDouble()).as("what it keeps is the champion's own boxes").isEqualTo(1.0);
        assertThat(overall.path("falseNegatives").asLong()).isEqualTo(hidden);
        // Measured over the whole clip: 314 of 760 boxes hidden, recall 0.59.
        assertThat(overall.path("recall").asDouble()).isBetween(0.3, 0.8);
    }

    /**
     * The same model deciding with a challenger policy that warns of a forward collision only at a
     * TTC of 1.5 s (the champion's 3.4 s): the reviewed warning at 1.76 s is not raised within ±0.5 s,
     * so the challenger would miss it; the report names both policies. (At 2.5 s it still warns 0.36 s
     * later, within the window, from a TTC 0.89 s shorter.)
     */
    @Test
    void aChallengerPolicyDecidesTheChallengersSideAndAReviewedWarningItRaisesTooLateIsMissed() throws Exception {
        RiskPolicy d = RiskPolicy.defaults();
        RiskPolicy.ForwardCollision f = d.forwardCollision();
        RiskPolicy late = new RiskPolicy("test-late-fcw", d.egoHalfWidthM(), new RiskPolicy.ForwardCollision(1.5, 2.0, f.minEgoSpeedMps(),
                f.corridorMarginM(), f.minTrackAgeS(), f.maxTtcSigmaS(), f.hardBrakingDecelMps2()), d.followingDistance(),
                d.vulnerableRoadUser());
        Path policy = dir.resolve("late-fcw.json");
        Files.writeString(policy, late.toJson());
        Path reviewed = dir.resolve("reviewed.json");
        Files.writeString(reviewed, "{\"alerts\":[{\"kind\":\"FORWARD_COLLISION\",\"atS\":1.76},{\"kind\":\"PEDESTRIAN\",\"atS\":0.5}]}");
        JsonNode r = shadow("--champion", "fastestdet", "--challenger", "fastestdet", "--max-frames", "80", "--challenger-policy",
                policy.toString(), "--reviewed-alerts", reviewed.toString());
        assertThat(r.path("challengerPolicyVersion").asText()).isEqualTo("test-late-fcw");
        assertThat(r.path("championPolicyVersion").asText()).isEqualTo(d.version());
        JsonNode m = r.path("reviewedTruePositivesMissed");
        assertThat(m.path("measured").asBoolean()).isTrue();
        assertThat(m.path("given").asInt()).isEqualTo(2);
        assertThat(m.path("missed").asInt()).isEqualTo(1);
        assertThat(m.path("alerts").get(0).path("outcome").asText()).isEqualTo("MISSED");
        assertThat(m.path("alerts").get(0).path("championAtS").asDouble()).isCloseTo(1.76, org.assertj.core.api.Assertions.within(0.5));
        // nothing of that kind on this clip, from either side: not judged
        assertThat(m.path("alerts").get(1).path("outcome").asText()).isEqualTo("UNJUDGED");
        // the same boxes, other decisions: detection agreement is complete
        assertThat(r.path("detections").path("overall").path("f1").asDouble()).isEqualTo(1.0);
    }

    @Test
    void aBadReviewedAlertsFileOrChallengerPolicyIsOneLine() throws Exception {
        Path notJson = dir.resolve("not.json");
        Files.writeString(notJson, "FORWARD_COLLISION at 1.76");
        Path noTime = dir.resolve("no-time.json");
        Files.writeString(noTime, "{\"alerts\":[{\"kind\":\"FORWARD_COLLISION\"}]}");
        Path notPolicy = dir.resolve("not-policy.json");
        Files.writeString(notPolicy, "{\"version\":\"x\"}");
        for (String[] bad : List.of(new String[] {"--reviewed-alerts", notJson.toString(), "is not JSON"},
                new String[] {"--reviewed-alerts", noTime.toString(), "atS must be a time in the clip"},
                new String[] {"--reviewed-alerts", dir.resolve("absent.json").toString(), "--reviewed-alerts: no file at"},
                new String[] {"--challenger-policy", notPolicy.toString(), "is not a risk policy"},
                new String[] {"--challenger-policy", dir.resolve("absent.json").toString(), "--challenger-policy: no file at"})) {
            CliRun run = CliRun.of("shadow", "--champion", "fastestdet", "--challenger", "fastestdet", "--video", clip(), bad[0], bad[1]);
            assertThat(run.exit()).as(run.out() + run.err()).isEqualTo(2);
            assertThat(run.err().strip().lines().count()).as(run.err()).isEqualTo(1);
            assertThat(run.err()).contains(bad[2]);
        }
    }

    @Test
    void anUnknownModelIsOneLine() {
        CliRun run = CliRun.of("shadow", "--champion", "yolox-nano", "--challenger", "yolo9000", "--video", clip());
        assertThat(run.exit()).isEqualTo(WrongSettingException.EXIT_CODE);
        assertThat(run.err().strip()).doesNotContain("\n")
                .contains("--challenger: unknown model 'yolo9000'", "yolox-nano or fastestdet");
    }

    @Test
    void aMissingVideoIsOneLine() {
        CliRun run = CliRun.of("shadow", "--champion", "yolox-nano", "--challenger", "fastestdet", "--video",
                dir.resolve("nowhere.mp4").toString());
        assertThat(run.exit()).isEqualTo(WrongSettingException.EXIT_CODE);
        assertThat(run.err().strip()).doesNotContain("\n").contains("video file not found", "nowhere.mp4");
    }

    @Test
    void aCorruptVideoIsOneLine() throws Exception {
        byte[] junk = new byte[64 * 1024];
        new Random(17).nextBytes(junk);
        Path corrupt = Files.write(dir.resolve("corrupt.mp4"), junk);
        CliRun run = CliRun.of("shadow", "--champion", "yolox-nano", "--challenger", "fastestdet", "--video", corrupt.toString());
        assertThat(run.exit()).isEqualTo(WrongSettingException.EXIT_CODE);
        assertThat(run.err().strip()).doesNotContain("\n").contains("cannot open video", "corrupt.mp4");

        // The bundled clip keeps its index (moov) at the end: cut in half, FFmpeg cannot open it.
        byte[] whole = Files.readAllBytes(Path.of(clip()));
        Path cut = Files.write(dir.resolve("cut.mp4"), java.util.Arrays.copyOf(whole, whole.length / 2));
        run = CliRun.of("shadow", "--champion", "yolox-nano", "--challenger", "fastestdet", "--video", cut.toString());
        assertThat(run.exit()).isEqualTo(WrongSettingException.EXIT_CODE);
        assertThat(run.err().strip()).doesNotContain("\n").contains("cannot open video", "cut.mp4", "not a readable or complete media file");
    }

    @Test
    void aModelDirectoryWithAWrongManifestIsOneLine() throws Exception {
        Path bundled = ProjectHome.bundledModel("fastestdet");
        Path copy = Files.createDirectories(dir.resolve("fastestdet-tampered"));
        try (Stream<Path> files = Files.list(bundled)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        Path manifest = copy.resolve("manifest.json");
        Files.writeString(manifest, Files.readString(manifest)
                .replace("31cb14c017fce347cb4c846ec62fdf00d76bb3beecdf4be21e7116ac67feb880", "0".repeat(64)));
        CliRun run = CliRun.of("shadow", "--champion", "fastestdet", "--challenger", copy.toString(), "--video", clip());
        assertThat(run.exit()).isEqualTo(WrongSettingException.EXIT_CODE);
        assertThat(run.err().strip()).doesNotContain("\n").contains("--challenger:", "sha256 mismatch");

        Path empty = Files.createDirectories(dir.resolve("no-manifest"));
        run = CliRun.of("shadow", "--champion", empty.toString(), "--challenger", "fastestdet", "--video", clip());
        assertThat(run.exit()).isEqualTo(WrongSettingException.EXIT_CODE);
        assertThat(run.err().strip()).doesNotContain("\n").contains("--champion: model directory", "has no manifest.json");
    }
}
