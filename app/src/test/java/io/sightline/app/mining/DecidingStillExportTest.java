package io.sightline.app.mining;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sightline.cloud.mining.ExportFormat;
import io.sightline.cloud.mining.MiningExport;
import io.sightline.cloud.mining.MiningRequest;
import io.sightline.cloud.mining.MiningResult;
import io.sightline.domain.event.BoxPx;
import io.sightline.domain.event.DetectionObserved;
import io.sightline.domain.event.EvidenceClipRecorded;
import io.sightline.domain.event.SightlineEvent;
import io.sightline.domain.event.TrackState;
import io.sightline.domain.event.TrackUpdated;
import io.sightline.explain.EventLookup;
import io.sightline.explain.StoredEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sightline mine}'s pictures of an alert's deciding frame (ADR-0041): the still JPEG the edge
 * kept of it goes into the COCO and YOLO exports as the frame's image ({@code DECIDING_STILL}),
 * with the frame's confirmed detections as annotations scaled from the source's 960×540 to the
 * still's 320×180; a mined frame that is no deciding frame, in a clip the fleet does not hold, stays
 * {@code MISSING}. Real OpenCV JPEG, the cloud's export writer; the event store and the evidence
 * table are stand-ins holding one session's clip event and the still's bytes.
 */
class DecidingStillExportTest {

    static final String SESSION = "s-still";
    static final String FLEET = "fleet-1";
    static final String CLIP_SHA = "c".repeat(64);
    static byte[] still;
    static String stillSha;

    @TempDir
    Path dir;

    @BeforeAll
    static void makeStill() throws Exception {
        try (Mat m = new Mat(180, 320, opencv_core.CV_8UC3, new Scalar(40, 120, 200, 0)); BytePointer out = new BytePointer()) {
            assertThat(imencode(".jpg", m, out)).isTrue();
            still = new byte[(int) out.limit()];
            out.get(still);
        }
        stillSha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(still));
    }

    private static EvidenceClipRecorded clip() {
        return new EvidenceClipRecorded(CLIP_SHA, "video/mp4", 100_000, EvidenceClipRecorded.ENCODE, 0, 50, 25.0, 0, 49, List.of("alert-1"),
                9, List.of(new EvidenceClipRecorded.DecidingStill("alert-1", 30, stillSha, still.length, 320, 180)));
    }

    /** The store holds the session's one clip event and nothing else the pictures look up. */
    private static EventLookup events() {
        return new EventLookup() {
            @Override
            public Map<String, StoredEvent> findByIds(Collection<String> eventIds) {
                return Map.of();
            }

            @Override
            public Optional<StoredEvent> findAlert(String alertId) {
                return Optional.empty();
            }

            @Override
            public List<StoredEvent> findEffects(String eventId) {
                return List.of();
            }

            @Override
            public Optional<StoredEvent> sessionStart(String sessionId) {
                return Optional.empty();
            }

            @Override
            public Optional<StoredEvent> modelActivation(String sessionId, String modelSha256, long atOrBeforeGlobalIndex,
                                                         long atOrBeforeSequence) {
                return Optional.empty();
            }

            @Override
            public List<StoredEvent> sessionEvents(String sessionId, long fromNanos, long toNanos, Set<Class<? extends SightlineEvent>> types) {
                return SESSION.equals(sessionId) && types.contains(EvidenceClipRecorded.class)
                        ? List.of(new StoredEvent("e-clip", SESSION, 90, 90, 9, clip())) : List.of();
            }
        };
    }

    private static MiningResult.Candidate candidate(int rank, long frameIndex) {
        return new MiningResult.Candidate(rank, 1.0 / rank, SESSION, "veh-1", "policy-1", "f" + frameIndex, SESSION + ":" + frameIndex,
                frameIndex, 1000 + frameIndex, 1000 + frameIndex, 960, 540, "cam.mkv", null, "yolox-nano", "1", "m".repeat(64), false,
                List.of(new MiningResult.Reason("t", 1.0, "test", "alert-1", null, List.of())));
    }

    private static MiningResult result() {
        DetectionObserved car = new DetectionObserved("d30", SESSION + ":30", 2, "car", 0.9, new BoxPx(96, 54, 192, 162), "yolox-nano", "1",
                "m".repeat(64), List.of());
        TrackUpdated track = new TrackUpdated("trk-1", SESSION + ":30", "car", new BoxPx(96, 54, 192, 162), 0, 0, TrackState.CONFIRMED, 5, 5,
                0.9, List.of("d30"));
        List<MiningResult.Candidate> candidates = List.of(candidate(1, 30), candidate(2, 31));
        return new MiningResult(new MiningRequest(FLEET, Long.MIN_VALUE, Long.MAX_VALUE, 2), 1, 50, 2, 2, List.of("t"), Map.of("t", 2L),
                List.of("person", "car"), List.of(), candidates, new MiningResult.Enrichment(50, 2, 0, 0, 0, null, 0, null),
                Map.of("f30", new MiningResult.FrameContent(List.of(car), List.of(track)),
                        "f31", new MiningResult.FrameContent(List.of(), List.of())));
    }

    private ClipFramePictures pictures(boolean fleetHoldsTheStill) {
        return new ClipFramePictures(events(), (sha, fleet) -> fleetHoldsTheStill && FLEET.equals(fleet) && sha.equals(stillSha)
                ? Optional.of(still) : Optional.empty());
    }

    @Test
    void theDecidingFramesStillIsItsPictureAndNoOtherFramesIs() {
        MiningResult r = result();
        Map<String, MiningExport.Picture> got = pictures(true).pictures(r.candidates(), FLEET);
        assertThat(got).containsOnlyKeys("f30");
        assertThat(got.get("f30").kind()).isEqualTo(MiningExport.ImageKind.DECIDING_STILL);
        assertThat(got.get("f30").jpeg()).isEqualTo(still);
        assertThat(got.get("f30").widthPx()).isEqualTo(320);
        assertThat(pictures(false).pictures(r.candidates(), FLEET)).as("a still the fleet does not hold: the clip, not held either")
                .isEmpty();
        assertThat(pictures(true).pictures(r.candidates(), "another-fleet")).as("another fleet's still").isEmpty();
    }

    @Test
    void cocoExportsTheStillWithTheFramesBoxesScaledToIt() throws Exception {
        MiningExport.Written w = new MiningExport(null).write(result(), ExportFormat.COCO, dir, pictures(true));
        assertThat(w.images()).isEqualTo(1);
        assertThat(w.missingImages()).isEqualTo(1);
        JsonNode coco = new ObjectMapper().readTree(dir.resolve("annotations.json").toFile());
        JsonNode image = coco.get("images").get(0);
        assertThat(image.get("sightline_image").asText()).isEqualTo("DECIDING_STILL");
        assertThat(image.get("width").asInt()).isEqualTo(320);
        assertThat(image.get("height").asInt()).isEqualTo(180);
        assertThat(Files.readAllBytes(dir.resolve(image.get("file_name").asText()))).isEqualTo(still);
        assertThat(coco.get("images").get(1).get("sightline_image").asText()).isEqualTo("MISSING");
        JsonNode a = coco.get("annotations");
        assertThat(a).hasSize(1);
        assertThat(a.get(0).get("image_id").asInt()).isEqualTo(image.get("id").asInt());
        assertThat(a.get(0).get("category_id").asInt()).as("car: index 1, COCO id 2").isEqualTo(2);
        List<Double> bbox = List.of(a.get(0).get("bbox").get(0).asDouble(), a.get(0).get("bbox").get(1).asDouble(),
                a.get(0).get("bbox").get(2).asDouble(), a.get(0).get("bbox").get(3).asDouble());
        assertThat(bbox).as("the 960×540 box on the 320×180 still").containsExactly(32.0, 18.0, 32.0, 36.0);
        JsonNode manifest = new ObjectMapper().readTree(dir.resolve("manifest.json").toFile());
        assertThat(manifest.get("frames").get(0).get("imageKind").asText()).isEqualTo("DECIDING_STILL");
        assertThat(manifest.get("images").asText()).contains("DECIDING_STILL");
    }

    @Test
    void yoloExportsTheStillWithNormalisedLabels() throws Exception {
        new MiningExport(null).write(result(), ExportFormat.YOLO, dir, pictures(true));
        String name = SESSION.replaceAll("[^A-Za-z0-9._-]", "_") + "_000030";
        assertThat(Files.readAllBytes(dir.resolve("images/" + name + ".jpg"))).isEqualTo(still);
        assertThat(Files.readString(dir.resolve("labels/" + name + ".txt"))).isEqualTo("1 0.150000 0.200000 0.100000 0.200000\n");
        assertThat(Files.exists(dir.resolve("images/" + SESSION + "_000031.jpg"))).as("no picture of the other frame").isFalse();
    }
}
