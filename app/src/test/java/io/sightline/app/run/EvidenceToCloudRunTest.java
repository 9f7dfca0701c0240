package io.sightline.app.run;

import io.sightline.runtime.AssumedDrive;
import io.sightline.runtime.EdgePipeline;
import io.sightline.runtime.RunReport;

import io.sightline.testkit.ProjectHomeExtension;
import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.app.TestCloudArgs;
import io.sightline.cloud.SightlineCloudApplication;
import io.sightline.cloud.evidence.AlertEvidenceService;
import io.sightline.domain.evidence.AlertWindow;
import io.sightline.inference.ProjectHome;
import io.sightline.testkit.TestPostgres;
import io.sightline.uplink.evidence.EvidenceStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Evidence end to end, as {@code ./sightline run --exit} does it, on the bundled hazard clip that
 * raises a real FORWARD_COLLISION alert (YOLOX-nano, the default model): every frame's JPEG is kept
 * on the edge, exactly the frames inside the alert's window reach the cloud before the run counts
 * as caught up, and the alert's evidence listing serves them with the trace's frames marked.
 */
@ExtendWith(ProjectHomeExtension.class)
class EvidenceToCloudRunTest {

    static final String CLIP = "samples/sightline_fcw_slower_lead_960x540.mp4";
    static final String DEVICE = "test-edge-evidence";
    static TestPostgres.Database db;
    static ConfigurableApplicationContext cloud;
    static JdbcTemplate jdbc;

    @TempDir
    static Path edgeDir;

    @BeforeAll
    static void startCloud() {
        db = TestPostgres.freshDatabase("app_evidence");
        cloud = new SpringApplicationBuilder(SightlineCloudApplication.class)
                .web(WebApplicationType.NONE)
                .run(TestCloudArgs.of(db));
        jdbc = cloud.getBean(JdbcTemplate.class);
    }

    @AfterAll
    static void stopCloud() {
        if (cloud != null) {
            cloud.close();
        }
    }

    @Test
    void theAlertsWindowOfEvidenceIsInTheCloudWhenTheRunHasCaughtUp() throws Exception {
        EdgePipeline.Options options = new EdgePipeline.Options(ProjectHome.get().resolve(CLIP).toString(), "yolox-nano", null, false,
                false, AssumedDrive.EGO_SPEED_MPS, 1, 0, LocalRun.FLEET_ID, LocalRun.VEHICLE_ID, DEVICE, "test");
        // The old form (ADR-0008): still kept, uploaded and served.
        try (LocalRun edge = LocalRun.attach(cloud, edgeDir, DEVICE, true).evidenceClips(false)) {
            RunReport report;
            try (EdgePipeline pipeline = EdgePipeline.open(options).countTraceEdges(true)) {
                report = edge.run(pipeline, EdgePipeline.ProgressListener.NONE);
            }
            LocalRun.CatchUp caughtUp = edge.awaitCloud(report, jdbc, Duration.ofSeconds(120));
            assertThat(caughtUp.lagging()).as("cloud caught up, evidence included").isEmpty();
            String sid = report.sessionId();
            assertThat(report.count("AlertRaised")).as("the hazard clip raises an alert").isPositive();

            // The edge kept every frame's picture.
            List<EvidenceStore.Frame> kept = edge.evidence().frames(sid);
            assertThat(kept).hasSize((int) report.framesCaptured());
            assertThat(jdbc.queryForObject("select count(*) from domain_event_entry where aggregate_identifier = ? and payload_type like"
                    + " '%FrameCaptured' and payload_revision = '2' and convert_from(payload, 'UTF8')::jsonb->>'evidenceSha256' is not null",
                    Long.class, sid)).isEqualTo(report.framesCaptured());

            // Exactly the frames inside an alert window went up.
            List<Long> alertTimes = jdbc.queryForList("select (convert_from(meta_data, 'UTF8')::jsonb->>'occurredAtNanos')::bigint from"
                    + " domain_event_entry where aggregate_identifier = ? and payload_type like '%AlertRaised'", Long.class, sid);
            assertThat(alertTimes).isNotEmpty();
            Set<String> inWindow = kept.stream().filter(f -> alertTimes.stream().anyMatch(t -> f.occurredAtNanos() >= AlertWindow.fromNanos(t)
                    && f.occurredAtNanos() <= AlertWindow.toNanos(t))).map(EvidenceStore.Frame::sha256).collect(Collectors.toSet());
            Set<String> inCloud = Set.copyOf(jdbc.queryForList("select sha256 from evidence_frame where session_id = ?", String.class, sid));
            assertThat(inCloud).isEqualTo(inWindow).isNotEmpty();
            assertThat(edge.evidence().pendingUploads(sid)).isZero();

            // The cloud holds the edge's exact bytes.
            for (Map<String, Object> row : jdbc.queryForList("select sha256, bytes, width_px, height_px, fleet_id from evidence_frame"
                    + " where session_id = ?", sid)) {
                byte[] bytes = (byte[]) row.get("bytes");
                String sha = ((String) row.get("sha256")).trim();
                assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes))).isEqualTo(sha);
                assertThat(Files.readAllBytes(edge.evidence().path(sha))).isEqualTo(bytes);
                assertThat(row).containsEntry("width_px", 960).containsEntry("height_px", 540).containsEntry("fleet_id", LocalRun.FLEET_ID);
            }

            // The investigator's listing of the alert.
            String alertId = jdbc.queryForObject("select alert_id from alerts where session_id = ? order by raised_at_nanos limit 1",
                    String.class, sid);
            AlertEvidenceService.AlertEvidence listing = cloud.getBean(AlertEvidenceService.class)
                    .forAlert(alertId, LocalRun.FLEET_ID).orElseThrow();
            assertThat(listing.frames()).isNotEmpty();
            assertThat(listing.frames()).extracting(AlertEvidenceService.EvidenceFrame::frameIndex).isSorted();
            assertThat(listing.frames()).allSatisfy(f -> assertThat(inCloud).contains(f.sha256()));
            assertThat(listing.frames()).as("the frames of the alert's causal trace are marked")
                    .anyMatch(AlertEvidenceService.EvidenceFrame::inCausalTrace);
            assertThat(cloud.getBean(AlertEvidenceService.class).forAlert(alertId, "another-fleet")).isEmpty();

            // A drive without alerts: every picture stays on the edge, and the run still counts as caught up.
            EdgePipeline.Options quiet = new EdgePipeline.Options(ProjectHome.get().resolve("samples/udacity_vd_test_video.mp4").toString(),
                    "yolox-nano", null, false, false, AssumedDrive.EGO_SPEED_MPS, 1, 0, LocalRun.FLEET_ID, LocalRun.VEHICLE_ID, DEVICE,
                    "test");
            RunReport second;
            try (EdgePipeline pipeline = EdgePipeline.open(quiet).countTraceEdges(true)) {
                second = edge.run(pipeline, EdgePipeline.ProgressListener.NONE);
            }
            assertThat(edge.awaitCloud(second, jdbc, Duration.ofSeconds(120)).lagging()).isEmpty();
            assertThat(second.count("AlertRaised")).isZero();
            assertThat(edge.evidence().frames(second.sessionId())).hasSize((int) second.framesCaptured()).isNotEmpty();
            assertThat(jdbc.queryForObject("select count(*) from evidence_frame where session_id = ?", Long.class, second.sessionId()))
                    .isZero();
        }
    }

    /**
     * The new form (ADR-0037), the default: one MP4 clip of the source's own video per alert window,
     * uploaded and stored byte for byte, listed with the alert with each window frame's offset and
     * boxes; the JPEG-form session of the other test is still listed as before beside it.
     */
    @Test
    void theAlertsWindowIsOneClipOfTheSourcesVideoInTheCloud(@TempDir Path clipEdgeDir) throws Exception {
        EdgePipeline.Options options = new EdgePipeline.Options(ProjectHome.get().resolve(CLIP).toString(), "yolox-nano", null, false,
                false, AssumedDrive.EGO_SPEED_MPS, 1, 0, LocalRun.FLEET_ID, LocalRun.VEHICLE_ID, DEVICE + "-clip", "test");
        try (LocalRun edge = LocalRun.attach(cloud, clipEdgeDir, DEVICE + "-clip", true)) {
            RunReport report;
            List<EdgePipeline.ClipSummary> clips;
            try (EdgePipeline pipeline = EdgePipeline.open(options).countTraceEdges(true)) {
                report = edge.run(pipeline, EdgePipeline.ProgressListener.NONE);
                clips = pipeline.clipsCut();
            }
            assertThat(edge.awaitCloud(report, jdbc, Duration.ofSeconds(120)).lagging()).as("cloud caught up, clip included").isEmpty();
            String sid = report.sessionId();
            assertThat(report.count("AlertRaised")).isPositive();
            assertThat(report.count("EvidenceClipRecorded")).isEqualTo(1);
            assertThat(clips).singleElement();
            // On the edge: the clip and its alert's deciding-frame still (ADR-0041), no JPEG per frame.
            List<EvidenceStore.Frame> kept = edge.evidence().frames(sid);
            assertThat(kept).extracting(f -> f.frameId().substring(0, f.frameId().indexOf(':'))).containsExactlyInAnyOrder("clip", "still");
            String sha = kept.stream().filter(f -> f.frameId().startsWith("clip:")).findFirst().orElseThrow().sha256();
            String stillSha = kept.stream().filter(f -> f.frameId().startsWith("still:")).findFirst().orElseThrow().sha256();
            assertThat(clips.get(0).sha256()).isEqualTo(sha);
            Map<String, Object> row = jdbc.queryForMap("select bytes, content_type, width_px, height_px, fleet_id from evidence_frame"
                    + " where sha256 = ?", sha);
            assertThat((byte[]) row.get("bytes")).isEqualTo(Files.readAllBytes(edge.evidence().path(sha)));
            assertThat(row).containsEntry("content_type", "video/mp4").containsEntry("width_px", 960).containsEntry("height_px", 540)
                    .containsEntry("fleet_id", LocalRun.FLEET_ID);

            String alertId = jdbc.queryForObject("select alert_id from alerts where session_id = ? order by raised_at_nanos limit 1",
                    String.class, sid);
            AlertEvidenceService.AlertEvidence listing = cloud.getBean(AlertEvidenceService.class)
                    .forAlert(alertId, LocalRun.FLEET_ID).orElseThrow();
            assertThat(listing.frames()).as("no JPEG frames in the new form").isEmpty();
            AlertEvidenceService.EvidenceClip clip = listing.clips().get(0);
            assertThat(clip.sha256()).isEqualTo(sha);
            assertThat(clip.contentType()).isEqualTo("video/mp4");
            assertThat(clip.frames()).isNotEmpty().allSatisfy(f -> assertThat(f.offset()).isEqualTo(f.frameIndex() - clip.firstFrameIndex()));
            assertThat(clip.frames()).as("the window's frames carry the detector's boxes").anyMatch(f -> !f.boxes().isEmpty());
            assertThat(clip.alertFrameIndex()).as("the deciding frame is in the clip").isBetween(clip.firstFrameIndex(),
                    clip.firstFrameIndex() + clip.frameCount() - 1);
            // Its still is stored and served as a JPEG, and it is the deciding frame's.
            assertThat(clip.decidingStill()).isNotNull();
            assertThat(clip.decidingStill().sha256()).isEqualTo(stillSha);
            assertThat(clip.decidingStill().frameIndex()).isEqualTo(clip.alertFrameIndex());
            Map<String, Object> stillRow = jdbc.queryForMap("select bytes, content_type from evidence_frame where sha256 = ?", stillSha);
            assertThat(stillRow).containsEntry("content_type", "image/jpeg");
            assertThat((byte[]) stillRow.get("bytes")).isEqualTo(Files.readAllBytes(edge.evidence().path(stillSha)));
            long detections = jdbc.queryForObject("select count(*) from domain_event_entry where aggregate_identifier = ? and payload_type"
                    + " like '%DetectionObserved'", Long.class, sid);
            assertThat(clip.frames().stream().mapToLong(f -> f.boxes().size()).sum()).isPositive().isLessThanOrEqualTo(detections);

            // Mining this session exports the camera's own frames, decoded from the clip (nothing drawn): the
            // exported picture is the source's frame at that index, not one ten frames away (JPEG at quality 80: > 30 dB).
            Path mined = clipEdgeDir.resolve("mined");
            io.sightline.app.CliRun mine = io.sightline.app.CliRun.of("mine", "--format", "coco", "--budget-frames", "40", "--out",
                    mined.toString(), "--jdbc-url", db.jdbcUrlWithCredentials());
            assertThat(mine.exit()).as(mine.out() + mine.err()).isZero();
            com.fasterxml.jackson.databind.JsonNode manifest = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(mined.resolve("manifest.json").toFile());
            List<com.fasterxml.jackson.databind.JsonNode> fromClip = new java.util.ArrayList<>();
            manifest.get("frames").forEach(f -> {
                if (f.get("sessionId").asText().equals(sid) && !f.get("imageKind").asText().equals("MISSING")) {
                    fromClip.add(f);
                }
            });
            // The deciding frame, when mined, is the still the edge kept of it (ADR-0041) rather than a decode of the clip.
            assertThat(fromClip).as(manifest.toPrettyString()).isNotEmpty().allSatisfy(f -> {
                if (f.get("frameIndex").asLong() == clip.decidingStill().frameIndex()) {
                    assertThat(f.get("imageKind").asText()).isEqualTo("DECIDING_STILL");
                    assertThat(Files.readAllBytes(mined.resolve(f.get("image").asText()))).isEqualTo(Files.readAllBytes(
                            edge.evidence().path(stillSha)));
                } else {
                    assertThat(f.get("imageKind").asText()).isEqualTo("CAMERA_FRAME_FROM_CLIP");
                }
            });
            for (com.fasterxml.jackson.databind.JsonNode f : fromClip) {
                long index = f.get("frameIndex").asLong();
                try (org.bytedeco.opencv.opencv_core.Mat exported = org.bytedeco.opencv.global.opencv_imgcodecs.imdecode(
                        new org.bytedeco.opencv.opencv_core.Mat(new org.bytedeco.javacpp.BytePointer(Files.readAllBytes(
                                mined.resolve(f.get("image").asText())))), org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR);
                     org.bytedeco.opencv.opencv_core.Mat same = sourceFrame(index);
                     org.bytedeco.opencv.opencv_core.Mat other = sourceFrame(index >= 10 ? index - 10 : index + 10)) {
                    assertThat(exported.cols()).isEqualTo(960);
                    assertThat(exported.rows()).isEqualTo(540);
                    double own = org.bytedeco.opencv.global.opencv_core.PSNR(exported, same);
                    assertThat(own).as("frame %d against its source frame", index).isGreaterThan(30)
                            .isGreaterThan(org.bytedeco.opencv.global.opencv_core.PSNR(exported, other));
                }
            }
        }
    }

    /** The bundled clip's frame {@code index}, as the pipeline decodes it. */
    static org.bytedeco.opencv.opencv_core.Mat sourceFrame(long index) {
        try (io.sightline.inference.FrameSource source = io.sightline.inference.FrameSource.open(ProjectHome.get().resolve(CLIP).toString(),
                io.sightline.inference.FrameSource.Options.defaults())) {
            for (io.sightline.inference.VideoFrame f; (f = source.next()) != null; ) {
                if (f.index() == index) {
                    return f.image().clone();
                }
            }
        }
        throw new IllegalStateException("the clip has no frame " + index);
    }
}
