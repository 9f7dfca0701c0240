package io.sightline.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.EvidenceClipRecorded;
import io.sightline.domain.event.FrameCaptured;
import io.sightline.domain.ingest.EventCodec;
import io.sightline.inference.FrameSource;
import io.sightline.inference.ProjectHome;
import io.sightline.inference.VideoFrame;
import io.sightline.testkit.ProjectHomeExtension;
import io.sightline.uplink.evidence.EvidenceStore;
import io.sightline.uplink.journal.EdgeJournal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Evidence as the source's own video (ADR-0037) through the whole edge pipeline on the bundled
 * slower-lead clip: real decoder, YOLOX-nano, decisions, the SQLite journal and evidence store.
 * The alert's window becomes one MP4 clip, remuxed from the file's packets; no frame is drawn or
 * JPEG-encoded; the clip's frame at each journaled frame's offset is the picture the detector saw;
 * and the alerts are those of a run without evidence.
 */
@ExtendWith(ProjectHomeExtension.class)
class EvidenceClipsTest {

    static final String ALERT_CLIP = "samples/sightline_fcw_slower_lead_960x540.mp4";

    @TempDir
    Path dir;

    private static EdgePipeline.Options options() {
        // yolox-nano without fallback and with back-pressure: the detections, hence the decisions, do not depend on load.
        return new EdgePipeline.Options(ProjectHome.get().resolve(ALERT_CLIP).toString(), "yolox-nano", null, false, false,
                AssumedDrive.EGO_SPEED_MPS, 1, 0, EdgeDefaults.FLEET_ID, EdgeDefaults.VEHICLE_ID, "clip-edge-01", "test");
    }

    static List<EventEnvelope> journaled(EdgeJournal journal, String sessionId) throws Exception {
        EventCodec codec = new EventCodec();
        List<EventEnvelope> out = new ArrayList<>();
        for (EdgeJournal.StoredEvent e : journal.read(sessionId, 0, Integer.MAX_VALUE, Long.MAX_VALUE)) {
            out.add(codec.decode(codec.mapper().readTree(e.wireJson())));
        }
        return out;
    }

    private static String hash(Mat m) throws Exception {
        byte[] px = new byte[(int) (m.total() * m.elemSize())];
        m.data().capacity(px.length).get(px);
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(px));
    }

    /** What {@code each} makes of every frame of {@code location}, as the pipeline's decoder gives them. */
    static <T> List<T> eachFrame(String location, java.util.function.Function<Mat, T> each) {
        List<T> out = new ArrayList<>();
        try (FrameSource source = FrameSource.open(location)) {
            for (VideoFrame f; (f = source.next()) != null; ) {
                out.add(each.apply(f.image()));
            }
        }
        return out;
    }

    private static List<String> pixelHashes(String location) {
        return eachFrame(location, m -> {
            try {
                return hash(m);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void theAlertWindowIsOneRemuxedClipWhoseFramesAreTheDetectorsAndTheAlertsDoNotMove() throws Exception {
        RunReport report;
        List<EventEnvelope> events;
        List<EdgePipeline.ClipSummary> cuts;
        byte[] clipBytes;
        byte[] stillBytes;
        EvidenceClipRecorded clip;
        try (EdgeJournal journal = EdgeJournal.open(dir.resolve("journal.db"), EdgePipeline.JOURNAL_BUDGET_BYTES);
             EvidenceStore store = EvidenceStore.open(journal, 64L << 20)) {
            try (EdgePipeline pipeline = EdgePipeline.open(options())) {
                report = pipeline.evidence(store).evidenceClips(true).run(journal, EdgePipeline.ProgressListener.NONE);
                cuts = pipeline.clipsCut();
            }
            events = journaled(journal, report.sessionId());
            List<EvidenceClipRecorded> clips = events.stream().filter(e -> e.payload() instanceof EvidenceClipRecorded)
                    .map(e -> (EvidenceClipRecorded) e.payload()).toList();
            assertThat(clips).as("one window: the clip's alerts overlap").hasSize(1);
            clip = clips.get(0);
            // Stored once, content-addressed, as the evidence of the session, with its deciding frames' stills (ADR-0041): and
            // nothing else (no JPEG per frame).
            assertThat(clip.decidingStills()).as("the deciding frame's still, kept with the clip").isNotEmpty();
            List<String> kept = new ArrayList<>();
            kept.add(clip.clipSha256());
            clip.decidingStills().forEach(st -> kept.add(st.sha256()));
            assertThat(store.frames(report.sessionId())).extracting(EvidenceStore.Frame::sha256).containsExactlyInAnyOrderElementsOf(kept);
            stillBytes = Files.readAllBytes(store.path(clip.decidingStills().get(0).sha256()));
            Path file = store.path(clip.clipSha256());
            assertThat(file.getFileName().toString()).endsWith(".mp4");
            clipBytes = Files.readAllBytes(file);
            assertThat(EvidenceStore.sha256Hex(clipBytes)).isEqualTo(clip.clipSha256());
            assertThat(EvidenceStore.contentTypeOf(clipBytes)).isEqualTo("video/mp4");
        }
        assertThat(clip.method()).isEqualTo(EvidenceClipRecorded.REMUX);
        assertThat(clip.sizeBytes()).isEqualTo(clipBytes.length);
        assertThat(cuts).singleElement().satisfies(c -> assertThat(c.bytes()).isEqualTo(clipBytes.length));
        assertThat(report.percentileMs(EvidenceStage.STAGE, 50)).as("no frame was drawn or JPEG-encoded").isNaN();
        assertThat(report.percentileMs(EvidenceStage.COPY_STAGE, 50)).as("no frame was copied for evidence").isNaN();

        List<String> alertIds = new ArrayList<>();
        List<FrameCaptured> all = new ArrayList<>();
        List<Long> frameTimes = new ArrayList<>();
        long alertAt = -1;
        int alertPosition = -1;
        int clipPosition = -1;
        for (int i = 0; i < events.size(); i++) {
            Object p = events.get(i).payload();
            if (p instanceof AlertRaised a) {
                alertIds.add(a.alertId());
                if (alertPosition < 0) {
                    alertPosition = i;
                    alertAt = events.get(i).occurredAtNanos();
                }
            } else if (p instanceof FrameCaptured f) {
                assertThat(f.evidenceSha256()).as("frame %d names no JPEG", f.frameIndex()).isNull();
                all.add(f);
                frameTimes.add(events.get(i).occurredAtNanos());
            } else if (p instanceof EvidenceClipRecorded) {
                clipPosition = i;
            }
        }
        assertThat(alertIds).isNotEmpty();
        assertThat(clip.alertIds()).containsExactlyElementsOf(alertIds);
        assertThat(clipPosition).as("journaled after the alert, when its window closed").isGreaterThan(alertPosition);
        // The window is edge time, T-30 s ... T+10 s of the first alert (the others overlap it): which frames that is
        // depends on how fast this machine ran, so it is read from the journal.
        List<FrameCaptured> frames = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            if (frameTimes.get(i) >= io.sightline.domain.evidence.AlertWindow.fromNanos(alertAt)
                    && frameTimes.get(i) <= io.sightline.domain.evidence.AlertWindow.toNanos(alertAt)) {
                frames.add(all.get(i));
            }
        }
        assertThat(clip.windowFirstFrameIndex()).isEqualTo(frames.get(0).frameIndex());
        assertThat(clip.windowLastFrameIndex()).isGreaterThanOrEqualTo(frames.get(frames.size() - 1).frameIndex());
        // The clip starts at a keyframe at or before the window (the bundled clip has one, at frame 0) and ends at its last frame.
        assertThat(clip.firstFrameIndex()).isZero();
        assertThat(clip.firstFrameIndex() + clip.frameCount() - 1).isEqualTo(clip.windowLastFrameIndex());

        // Every journaled frame's offset in the clip decodes to the pixels the pipeline's decoder gave the detector.
        Path mp4 = dir.resolve("clip.mp4");
        Files.write(mp4, clipBytes);
        List<String> fromClip = pixelHashes(mp4.toString());
        List<String> fromSource = pixelHashes(ProjectHome.get().resolve(ALERT_CLIP).toString());
        assertThat(fromClip).hasSize(clip.frameCount());
        for (FrameCaptured f : frames) {
            long k = clip.offsetOf(f.frameIndex());
            assertThat(k).as("offset of frame %d", f.frameIndex()).isNotNegative();
            assertThat(fromClip.get((int) k)).as("clip frame %d = frame %d", k, f.frameIndex())
                    .isEqualTo(fromSource.get((int) f.frameIndex()));
        }

        // The still of the deciding frame (the frame the first alert was journaled with) is that frame, as the decoder gave it.
        EvidenceClipRecorded.DecidingStill still = clip.stillOf(alertIds.get(0));
        long deciding = -1;
        for (int i = 0; i < events.size() && i < alertPosition; i++) {
            if (events.get(i).payload() instanceof FrameCaptured f) {
                deciding = f.frameIndex();
            }
        }
        assertThat(still.frameIndex()).isEqualTo(deciding);
        assertThat(EvidenceStore.sha256Hex(stillBytes)).isEqualTo(still.sha256());
        try (Mat jpeg = org.bytedeco.opencv.global.opencv_imgcodecs.imdecode(new Mat(new org.bytedeco.javacpp.BytePointer(stillBytes)),
                org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR);
             FrameSource source = FrameSource.open(ProjectHome.get().resolve(ALERT_CLIP).toString())) {
            VideoFrame f = source.next();
            while (f.index() < deciding) {
                f = source.next();
            }
            assertThat(jpeg.cols()).isEqualTo(still.widthPx()).isEqualTo(960);
            assertThat(org.bytedeco.opencv.global.opencv_core.PSNR(jpeg, f.image())).as("still against frame %d", deciding).isGreaterThan(35);
        }

        // The decisions do not depend on how evidence is kept: the same alerts as a run that keeps none.
        List<Object> without;
        try (EdgeJournal journal = EdgeJournal.open(dir.resolve("plain.db"), EdgePipeline.JOURNAL_BUDGET_BYTES);
             EdgePipeline pipeline = EdgePipeline.open(options())) {
            RunReport plain = pipeline.session(report.sessionId(), 0).run(journal, EdgePipeline.ProgressListener.NONE);
            without = journaled(journal, plain.sessionId()).stream().map(EventEnvelope::payload)
                    .filter(p -> p instanceof AlertRaised).map(p -> (Object) ((AlertRaised) p).alertId()).toList();
        }
        assertThat(without).containsExactlyElementsOf(alertIds);
    }
}
