package io.sightline.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.domain.event.CameraObstructed;
import io.sightline.domain.event.CameraRestored;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.FrameCaptured;
import io.sightline.domain.event.RiskAssessed;
import io.sightline.domain.ingest.EventCodec;
import io.sightline.inference.FrameSource;
import io.sightline.inference.ProjectHome;
import io.sightline.inference.VideoFrame;
import io.sightline.testkit.ProjectHomeExtension;
import io.sightline.uplink.journal.EdgeJournal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Camera health through the real pipeline: a bundled clip re-encoded with its frames darkened,
 * blurred or covered from a chosen frame to another, decoded by FFmpeg, measured, detected and
 * decided. The episode is reported about a second after it starts, restored about two seconds after
 * it ends, and every risk decision in between names it.
 */
@ExtendWith(ProjectHomeExtension.class)
class CameraHealthPipelineTest {

    static final String CLIP = "samples/sightline_fcw_slower_lead_960x540.mp4";
    static final int FROM_FRAME = 50;
    static final int TO_FRAME = 130;
    static final int FRAMES = 200;

    @TempDir
    Path dir;

    /** The clip with {@code spoil} applied to frames [FROM_FRAME, TO_FRAME). */
    private Path spoiled(String name, BiConsumer<Mat, Mat> spoil) throws Exception {
        Path out = dir.resolve(name + ".mp4");
        try (FrameSource source = FrameSource.open(ProjectHome.get().resolve(CLIP).toString());
             OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat();
             Mat changed = new Mat()) {
            FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(out.toString(), source.width(), source.height(), 0);
            recorder.setFormat("mp4");
            recorder.setFrameRate(source.frameRate());
            // MPEG-4 part 2 at a high bitrate: every FFmpeg build encodes it, and it keeps the blur and the darkness as made.
            recorder.setVideoCodec(avcodec.AV_CODEC_ID_MPEG4);
            recorder.setVideoBitrate(8_000_000);
            recorder.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
            recorder.start();
            try {
                int i = 0;
                for (VideoFrame f; (f = source.next()) != null && i < FRAMES; i++) {
                    if (i >= FROM_FRAME && i < TO_FRAME) {
                        spoil.accept(f.image(), changed);
                        recorder.record(converter.convert(changed));
                    } else {
                        recorder.record(converter.convert(f.image()));
                    }
                }
            } finally {
                recorder.stop();
                recorder.release();
            }
        }
        return out;
    }

    private static List<EventEnvelope> run(Path clip, Path journalFile) throws Exception {
        EdgePipeline.Options options = new EdgePipeline.Options(clip.toString(), "fastestdet", null, false, false,
                AssumedDrive.EGO_SPEED_MPS, 1, 0, "fleet-t", "vehicle-t", "device-t", "test");
        try (EdgeJournal journal = EdgeJournal.open(journalFile, 64L << 20); EdgePipeline pipeline = EdgePipeline.open(options)) {
            RunReport report = pipeline.run(journal, EdgePipeline.ProgressListener.NONE);
            EventCodec codec = new EventCodec();
            List<EventEnvelope> out = new ArrayList<>();
            for (EdgeJournal.StoredEvent e : journal.read(report.sessionId(), 0, 1_000_000, Long.MAX_VALUE)) {
                out.add(codec.decode(codec.mapper().readTree(e.wireJson())));
            }
            return out;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"DARK", "BLURRED", "COVERED"})
    void anEpisodeIsReportedRestoredAndNamedByTheDecisionsInBetween(String condition) throws Exception {
        BiConsumer<Mat, Mat> spoil = switch (condition) {
            case "DARK" -> (in, out) -> in.convertTo(out, -1, 0.08, 0);
            case "BLURRED" -> (in, out) -> opencv_imgproc.GaussianBlur(in, out, new Size(0, 0), 6);
            default -> (in, out) -> {
                in.copyTo(out);
                out.put(new Scalar(60, 60, 60, 0));
            };
        };
        List<EventEnvelope> events = run(spoiled(condition, spoil), dir.resolve(condition + ".db"));
        Map<String, Long> frameIndex = new HashMap<>();
        List<CameraObstructed> obstructed = new ArrayList<>();
        List<CameraRestored> restored = new ArrayList<>();
        for (EventEnvelope e : events) {
            if (e.payload() instanceof FrameCaptured f) {
                frameIndex.put(f.frameId(), f.frameIndex());
            } else if (e.payload() instanceof CameraObstructed o) {
                obstructed.add(o);
            } else if (e.payload() instanceof CameraRestored r) {
                restored.add(r);
            }
        }
        assertThat(obstructed).as("one episode").singleElement().satisfies(o -> {
            assertThat(o.condition()).isEqualTo(condition);
            // pictures are measured every third frame (100 ms at 25 Hz): the first measured spoiled frame opens the episode
            assertThat(o.sinceFrameIndex()).isBetween((long) FROM_FRAME, FROM_FRAME + 2L);
            // confirmed 1 s (25 frames) after it began, to the next measured frame
            assertThat(o.confirmedAtFrameIndex()).isBetween(o.sinceFrameIndex() + 24, o.sinceFrameIndex() + 27);
            assertThat(o.margin()).isPositive();
        });
        assertThat(restored).singleElement().satisfies(r -> {
            assertThat(r.restoredAtFrameIndex()).isBetween(TO_FRAME + 49L, TO_FRAME + 54L);
            assertThat(r.obstructionId()).isEqualTo(obstructed.get(0).obstructionId());
        });
        String obstructionEventId = events.stream().filter(e -> e.payload() instanceof CameraObstructed).findFirst().orElseThrow().eventId();
        long from = obstructed.get(0).confirmedAtFrameIndex();
        long to = restored.get(0).restoredAtFrameIndex();
        int inside = 0;
        for (EventEnvelope e : events) {
            if (e.payload() instanceof RiskAssessed r) {
                long f = frameIndex.get(r.frameId());
                boolean during = f >= from && f < to;
                assertThat(r.causes().contains(obstructionEventId)).as("%s at frame %d", r.assessmentId(), f).isEqualTo(during);
                inside += during ? 1 : 0;
            }
        }
        assertThat(events.stream().filter(e -> e.payload() instanceof RiskAssessed).count()).as("decisions outside the episode").isPositive();
        if (condition.equals("BLURRED")) {
            // Blur leaves the lead car visible: the decisions go on, and each says the camera was blurred.
            assertThat(inside).isPositive();
        }
    }
}
