package io.sightline.app.clip;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sightline.app.Progress;
import io.sightline.edge.range.CameraModel;
import io.sightline.inference.FrameSource;
import io.sightline.inference.ProjectHome;
import io.sightline.inference.VideoFrame;
import io.sightline.runtime.AssumedDrive;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.opencv_core.Mat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sightline stop-sign-clip}: a real road clip with a drawn stop sign on its post beside the
 * road, placed through the assumed camera for an ego at a constant speed, and the sign's exact
 * position per frame beside it. The ego never slows (the clip's own car does not), so the clip is
 * a rolling stop at full speed, for the rolling-stop application through the real detector.
 */
@Command(name = "stop-sign-clip", mixinStandardHelpOptions = true,
        description = {"Composite a stop sign on its post into a real dashcam clip, and write its exact position beside it.",
                "The ego passes it at --ego-speed-mps without stopping: a rolling stop for `run --video`."})
public class StopSignClipCommand implements Callable<Integer> {

    /** Beside the clip; not hazard-clip's suffix, which {@code run} reads to score a forward-collision warning. */
    public static final String TRUTH_SUFFIX = ".sign.json";

    @Option(names = "--background", defaultValue = HazardClipCommand.DEFAULT_BACKGROUND, paramLabel = "FILE",
            description = "Road clip (default ${DEFAULT-VALUE}).")
    String background;

    @Option(names = "--out", defaultValue = "target/stop-sign-clip.mp4", paramLabel = "FILE", description = "Output mp4 (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--ego-speed-mps", defaultValue = "" + AssumedDrive.EGO_SPEED_MPS,
            description = "Ego speed the clip is scripted for; run with the same --ego-speed-mps (default ${DEFAULT-VALUE}).")
    double egoSpeedMps;

    @Option(names = "--sign-ahead-m", defaultValue = "150", description = "The sign's distance ahead at the clip's first frame (default ${DEFAULT-VALUE}).")
    double signAheadM;

    @Option(names = "--lateral-m", defaultValue = "3.5", description = "The sign's centre right of the camera, m (default ${DEFAULT-VALUE}).")
    double lateralM;

    @Option(names = "--elevation-m", defaultValue = "1.5", description = "The sign's bottom edge above the road, m (default ${DEFAULT-VALUE}).")
    double elevationM;

    @Option(names = "--size-m", defaultValue = "0.75", description = "The sign's width across flats, m (default ${DEFAULT-VALUE}: MUTCD R1-1 30 in).")
    double sizeM;

    @Override
    public Integer call() throws Exception {
        if (!(egoSpeedMps > 0) || !(signAheadM > 0) || !(sizeM > 0) || !(elevationM >= 0) || !Double.isFinite(lateralM)) {
            throw new IllegalArgumentException("--ego-speed-mps, --sign-ahead-m and --size-m must be positive, --elevation-m >= 0"
                    + " and --lateral-m finite");
        }
        Path home = ProjectHome.get();
        Path outPath = out.isAbsolute() ? out : home.resolve(out);
        Path backgroundPath = home.resolve(background);
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode truth = json.createObjectNode();
        truth.put("description", "A drawn stop sign on a post, composited into a real road clip through the assumed camera;"
                + " the ego passes it at a constant speed without stopping (a rolling stop).");
        truth.put("background", backgroundPath.getFileName().toString());
        truth.put("backgroundSha256", HazardClipCommand.sha256(backgroundPath));
        truth.put("expectedAlert", "ROLLING_STOP");
        ObjectNode sign = truth.putObject("sign");
        sign.put("aheadAtStartM", signAheadM);
        sign.put("lateralM", lateralM);
        sign.put("elevationM", elevationM);
        sign.put("sizeM", sizeM);
        truth.put("egoSpeedMps", egoSpeedMps);
        truth.put("passesAtS", signAheadM / egoSpeedMps);
        ArrayNode frames = truth.putArray("frames");
        Mat sprite = StopSignClip.sprite();
        try (FrameSource source = FrameSource.open(backgroundPath.toString())) {
            CameraModel camera = AssumedDrive.camera(source.width(), source.height());
            Files.createDirectories(outPath.toAbsolutePath().getParent());
            FFmpegFrameRecorder recorder = HazardClipCommand.openRecorder(outPath, source);
            Progress progress = new Progress("stop-sign-clip", source.declaredFrames());
            try (OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat()) {
                VideoFrame f;
                long n = 0;
                while ((f = source.next()) != null) {
                    double tS = f.captureTimeNanos() / 1e9;
                    double depthM = signAheadM - egoSpeedMps * tS;
                    StopSignClip.Placement at = StopSignClip.project(camera, depthM, lateralM, elevationM, sizeM);
                    if (at != null) {
                        StopSignClip.composite(f.image(), sprite, at);
                    }
                    recorder.record(converter.convert(f.image()));
                    ObjectNode fr = frames.addObject();
                    fr.put("frameIndex", f.index());
                    fr.put("timeS", Math.round(tS * 1e4) / 1e4);
                    fr.put("signDepthM", Math.round(depthM * 1e3) / 1e3);
                    if (at != null) {
                        fr.putArray("boxPx").add(Math.round(at.x1() * 10) / 10.0).add(Math.round(at.y1() * 10) / 10.0)
                                .add(Math.round(at.x2() * 10) / 10.0).add(Math.round(at.y2() * 10) / 10.0);
                    }
                    progress.update(++n);
                }
                progress.done();
            } finally {
                recorder.stop();
                recorder.release();
            }
        }
        truth.put("videoSha256", HazardClipCommand.sha256(outPath));
        Path truthPath = Path.of(outPath + TRUTH_SUFFIX);
        json.writeValue(truthPath.toFile(), truth);
        System.out.printf("wrote %s (%,d frames; the ego passes the sign at %.2f s) and its ground truth %s%n", outPath,
                frames.size(), signAheadM / egoSpeedMps, truthPath);
        return 0;
    }
}
