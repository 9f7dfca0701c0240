package io.sightline.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bytedeco.opencv.global.opencv_core.PSNR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.EvidenceClipRecorded;
import io.sightline.domain.event.FrameCaptured;
import io.sightline.inference.FrameSource;
import io.sightline.inference.ProjectHome;
import io.sightline.inference.VideoFrame;
import io.sightline.runtime.clip.FrameRing;
import io.sightline.testkit.ProjectHomeExtension;
import io.sightline.uplink.evidence.EvidenceStore;
import io.sightline.uplink.journal.EdgeJournal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Evidence of a source without packets an MP4 can carry (ADR-0041), through the whole edge
 * pipeline: the bundled alert clip re-written losslessly as FFV1 in Matroska (the pixels the
 * detector sees are the H.264 clip's exactly, so the alert is the bundled one), which the packet tap
 * refuses, so the pipeline keeps decoded frames in its ring and encodes the alert window once with
 * the bundled FFmpeg's H.264 encoder. Real decoder, YOLOX-nano, decisions, SQLite journal and store.
 */
@ExtendWith(ProjectHomeExtension.class)
class RawSourceClipsTest {

    @TempDir
    static Path shared;
    static Path rawSource;
    static List<Mat> sourceFrames = new ArrayList<>();

    @TempDir
    Path dir;

    /** The bundled clip as FFV1 (lossless, BGR): a codec no MP4 clip takes, as a camera's raw frames are none. */
    @BeforeAll
    static void writeRawSource() throws Exception {
        rawSource = shared.resolve("slower-lead.ffv1.mkv");
        try (FrameSource in = FrameSource.open(ProjectHome.get().resolve(EvidenceClipsTest.ALERT_CLIP).toString());
             OpenCVFrameConverter.ToMat conv = new OpenCVFrameConverter.ToMat()) {
            FFmpegFrameRecorder rec = new FFmpegFrameRecorder(rawSource.toFile(), in.width(), in.height(), 0);
            rec.setFormat("matroska");
            rec.setVideoCodecName("ffv1");
            rec.setPixelFormat(avutil.AV_PIX_FMT_BGR0);
            rec.setFrameRate(in.frameRate());
            rec.start();
            for (VideoFrame f; (f = in.next()) != null; ) {
                rec.record(conv.convert(f.image()));
                sourceFrames.add(f.image().clone());
            }
            rec.stop();
            rec.release();
        }
    }

    private static EdgePipeline.Options options(String video, long maxFrames) {
        return new EdgePipeline.Options(video, "yolox-nano", null, false, false, AssumedDrive.EGO_SPEED_MPS, 1, maxFrames,
                EdgeDefaults.FLEET_ID, EdgeDefaults.VEHICLE_ID, "raw-edge-01", "test");
    }

    /** The source frame as the ring keeps it (downscaled the same way), to compare a decoded clip frame with. */
    private static Mat asKept(Mat source, int w, int h) {
        Mat out = new Mat();
        if (source.cols() == w && source.rows() == h) {
            source.copyTo(out);
        } else {
            try (Size size = new Size(w, h)) {
                resize(source, out, size, 0, 0, INTER_LINEAR);
            }
        }
        return out;
    }

    private static List<Mat> decode(Path video) {
        return EvidenceClipsTest.eachFrame(video.toString(), Mat::clone);
    }

    @Test
    void theAlertWindowIsEncodedOnceIntoAPlayableClipWhoseFramesAndStillMatchTheSource() throws Exception {
        RunReport report;
        List<EventEnvelope> events;
        List<EdgePipeline.ClipSummary> cuts;
        String form;
        long[] ring;
        Path clipFile = dir.resolve("clip.mp4");
        byte[] stillJpeg;
        EvidenceClipRecorded clip;
        try (EdgeJournal journal = EdgeJournal.open(dir.resolve("journal.db"), EdgePipeline.JOURNAL_BUDGET_BYTES);
             EvidenceStore store = EvidenceStore.open(journal, 64L << 20)) {
            try (EdgePipeline pipeline = EdgePipeline.open(options(rawSource.toString(), 0))) {
                report = pipeline.evidence(store).evidenceClips(true).run(journal, EdgePipeline.ProgressListener.NONE);
                cuts = pipeline.clipsCut();
                form = pipeline.evidenceForm();
                ring = pipeline.frameRingUse();
            }
            events = EvidenceClipsTest.journaled(journal, report.sessionId());
            List<EvidenceClipRecorded> clips = events.stream().filter(e -> e.payload() instanceof EvidenceClipRecorded)
                    .map(e -> (EvidenceClipRecorded) e.payload()).toList();
            assertThat(clips).as("one window: its alerts overlap").hasSize(1);
            clip = clips.get(0);
            Files.write(clipFile, Files.readAllBytes(store.path(clip.clipSha256())));
            assertThat(clip.decidingStills()).as("the alert's deciding frame has its still").isNotEmpty();
            EvidenceClipRecorded.DecidingStill still = clip.decidingStills().get(0);
            stillJpeg = Files.readAllBytes(store.path(still.sha256()));
            assertThat(EvidenceStore.sha256Hex(stillJpeg)).isEqualTo(still.sha256());
            assertThat(EvidenceStore.contentTypeOf(stillJpeg)).isEqualTo("image/jpeg");
            // The clip and the stills are the session's only evidence: no JPEG per frame.
            assertThat(store.frames(report.sessionId())).hasSize(1 + clip.decidingStills().size());
        }
        assertThat(form).startsWith("clip-encode:");
        assertThat(clip.method()).isEqualTo(EvidenceClipRecorded.ENCODE);
        assertThat(cuts).singleElement().satisfies(c -> {
            assertThat(c.method()).isEqualTo(EvidenceClipRecorded.ENCODE);
            assertThat(c.bytes()).isEqualTo(clip.sizeBytes());
            assertThat(c.stills()).isEqualTo(clip.decidingStills().size());
        });
        assertThat(ring[0]).as("ring memory within its budget").isPositive().isLessThanOrEqualTo(ring[2]);
        assertThat(report.percentileMs(ClipStage.RING_STAGE, 50)).as("each frame was kept, on the decode thread").isPositive();
        assertThat(report.percentileMs(EvidenceStage.STAGE, 50)).as("no frame was drawn or JPEG-encoded").isNaN();

        List<String> alertIds = new ArrayList<>();
        List<FrameCaptured> frames = new ArrayList<>();
        long decidingFrame = -1;
        FrameCaptured last = null;
        for (EventEnvelope e : events) {
            if (e.payload() instanceof FrameCaptured f) {
                assertThat(f.evidenceSha256()).as("frame %d names no JPEG", f.frameIndex()).isNull();
                frames.add(f);
                last = f;
            } else if (e.payload() instanceof AlertRaised a) {
                if (alertIds.isEmpty()) {
                    decidingFrame = last.frameIndex();
                }
                alertIds.add(a.alertId());
            }
        }
        assertThat(alertIds).as("the bundled clip's alert, from the raw source").isNotEmpty();
        assertThat(clip.alertIds()).containsExactlyElementsOf(alertIds);
        // The window is edge time, T-30 s … T+10 s: which frames that is depends on this machine's speed. The ring held the
        // whole window, so the encoded clip is exactly the window's frames, with no keyframe to go back to.
        assertThat(clip.firstFrameIndex()).isEqualTo(clip.windowFirstFrameIndex()).isEqualTo(frames.get(0).frameIndex());
        assertThat(clip.firstFrameIndex() + clip.frameCount() - 1).isEqualTo(clip.windowLastFrameIndex());
        assertThat(clip.offsetOf(decidingFrame)).as("the deciding frame is in the clip").isNotNegative();

        List<Mat> decoded = decode(clipFile);
        assertThat(decoded).as("a playable MP4 with the clip's frame count").hasSize(clip.frameCount());
        int w = decoded.get(0).cols();
        int h = decoded.get(0).rows();
        assertThat(w).isEqualTo(FrameRing.MAX_WIDTH_PX);
        assertThat(new int[] {w, h}).containsExactly(FrameRing.keptSize(960, 540, FrameRing.MAX_WIDTH_PX));
        for (FrameCaptured f : frames) {
            int k = (int) clip.offsetOf(f.frameIndex());
            if (k < 0) {
                continue;
            }
            try (Mat same = asKept(sourceFrames.get((int) f.frameIndex()), w, h);
                 Mat other = asKept(sourceFrames.get((int) (f.frameIndex() >= 10 ? f.frameIndex() - 10 : f.frameIndex() + 10)), w, h)) {
                double own = PSNR(decoded.get(k), same);
                assertThat(own).as("clip frame %d against source frame %d", k, f.frameIndex()).isGreaterThan(30)
                        .isGreaterThan(PSNR(decoded.get(k), other));
            }
        }

        EvidenceClipRecorded.DecidingStill still = clip.stillOf(alertIds.get(0));
        assertThat(still.frameIndex()).isEqualTo(decidingFrame);
        try (Mat jpeg = imdecode(new Mat(new BytePointer(stillJpeg)), IMREAD_COLOR);
             Mat same = asKept(sourceFrames.get((int) decidingFrame), w, h)) {
            assertThat(jpeg.cols()).isEqualTo(still.widthPx()).isEqualTo(w);
            assertThat(jpeg.rows()).isEqualTo(still.heightPx()).isEqualTo(h);
            assertThat(PSNR(jpeg, same)).as("the still is the deciding frame").isGreaterThan(35);
        }
    }

    @Test
    void withNoH264EncoderTheSessionKeepsJpegFramesAndSaysWhyAndLosesNoFrame() throws Exception {
        try (EdgeJournal journal = EdgeJournal.open(dir.resolve("journal.db"), EdgePipeline.JOURNAL_BUDGET_BYTES);
             EvidenceStore store = EvidenceStore.open(journal, 64L << 20);
             EdgePipeline pipeline = EdgePipeline.open(options(rawSource.toString(), 12))) {
            RunReport report = pipeline.evidence(store).evidenceClips(true).clipEncoders(List.of("no-such-h264"))
                    .run(journal, EdgePipeline.ProgressListener.NONE);
            assertThat(pipeline.evidenceForm()).isEqualTo("jpeg");
            assertThat(pipeline.evidenceFormReason()).contains("no H.264 encoder").contains("no-such-h264").contains("--evidence-form");
            List<FrameCaptured> frames = EvidenceClipsTest.journaled(journal, report.sessionId()).stream().map(EventEnvelope::payload)
                    .filter(p -> p instanceof FrameCaptured).map(p -> (FrameCaptured) p).toList();
            assertThat(frames).hasSize(12).allSatisfy(f -> assertThat(f.evidenceSha256()).as("frame %d", f.frameIndex()).isNotNull());
            assertThat(pipeline.clipsCut()).isEmpty();
        }
    }
}
