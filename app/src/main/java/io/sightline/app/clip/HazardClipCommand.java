package io.sightline.app.clip;

import io.sightline.runtime.EdgeCommand;

import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_UNCHANGED;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imwrite;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sightline.app.Progress;
import io.sightline.runtime.AssumedDrive;
import io.sightline.edge.range.CameraModel;
import io.sightline.inference.FrameSource;
import io.sightline.inference.ProjectHome;
import io.sightline.inference.VideoFrame;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.FrameRecorder;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sightline hazard-clip}: renders the bundled forward-collision clip (a real road with a
 * real car composited as a slower lead vehicle) and its frame-by-frame ground truth. The bundled
 * {@link #DEFAULT_OUT} was made by this command with its defaults; run it again to reproduce it or
 * to script another lead.
 */
@Command(name = "hazard-clip", mixinStandardHelpOptions = true,
        description = {"Composite a scripted lead vehicle into a real dashcam clip, and write the exact ground truth beside it.",
                "Default: the bundled forward-collision clip (slower lead, then a lane change) from the bundled road clip."})
public class HazardClipCommand implements Callable<Integer> {

    public static final String DEFAULT_BACKGROUND = "samples/udacity_ll_solidWhiteRight.mp4";
    public static final String DEFAULT_SPRITE = "samples/sprites/lead-car-rear.png";
    public static final String DEFAULT_OUT = EdgeCommand.DEFAULT_VIDEO;
    /** Suffix of the ground truth written beside a clip; {@code run} reads it to score its alerts. */
    public static final String TRUTH_SUFFIX = ".truth.json";
    /** The car of udacity_vd test1.jpg cut out for the sprite; its box is YOLOX-nano's detection on that photo. */
    static final double CAR_WIDTH_M = 1.8;
    static final int VIDEO_BITRATE_BPS = 4_000_000;

    @Option(names = "--background", defaultValue = DEFAULT_BACKGROUND, paramLabel = "FILE", description = "Road clip (default ${DEFAULT-VALUE}).")
    String background;

    @Option(names = "--sprite", defaultValue = DEFAULT_SPRITE, paramLabel = "PNG",
            description = "Lead vehicle seen from behind, BGRA with coverage in alpha (default ${DEFAULT-VALUE}).")
    String sprite;

    @Option(names = "--sprite-from", paramLabel = "PHOTO", description = "Cut a new sprite out of this photo first (GrabCut), writing --sprite.")
    Path spriteFrom;

    @Option(names = "--sprite-box", paramLabel = "X,Y,W,H", split = ",", description = "The vehicle's box in --sprite-from, in pixels.")
    int[] spriteBox;

    @Option(names = "--out", defaultValue = DEFAULT_OUT, paramLabel = "FILE", description = "Output mp4 (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--ego-speed-mps", defaultValue = "" + AssumedDrive.EGO_SPEED_MPS,
            description = "Ego speed the clip is scripted for; run with the same --ego-speed-mps (default ${DEFAULT-VALUE}).")
    double egoSpeedMps;

    @Override
    public Integer call() throws Exception {
        Path home = ProjectHome.get();
        Path spritePath = home.resolve(sprite);
        if (spriteFrom != null) {
            writeSprite(spritePath);
        }
        Mat spriteBgra = imread(spritePath.toString(), IMREAD_UNCHANGED);
        if (spriteBgra.empty() || spriteBgra.channels() != 4) {
            throw new IllegalArgumentException("sprite " + spritePath + " must be a PNG with an alpha channel; make one with "
                    + "--sprite-from PHOTO --sprite-box X,Y,W,H");
        }
        double heightM = CAR_WIDTH_M * spriteBgra.rows() / spriteBgra.cols();
        LeadVehicleScript script = LeadVehicleScript.slowerLeadChangingLanes(egoSpeedMps, CAR_WIDTH_M, heightM);
        Path outPath = out.isAbsolute() ? out : home.resolve(out);
        Path backgroundPath = home.resolve(background);

        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode truth = json.createObjectNode();
        ArrayNode frames;
        try (FrameSource source = FrameSource.open(backgroundPath.toString())) {
            CameraModel camera = AssumedDrive.camera(source.width(), source.height());
            describe(truth, backgroundPath, spritePath, script, camera);
            frames = truth.putArray("frames");
            Files.createDirectories(outPath.toAbsolutePath().getParent());
            FFmpegFrameRecorder recorder = openRecorder(outPath, source);
            Progress progress = new Progress("hazard-clip", source.declaredFrames());
            try (OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat()) {
                VideoFrame f;
                long n = 0;
                while ((f = source.next()) != null) {
                    double tS = f.captureTimeNanos() / 1e9;
                    HazardClip.BoxPx box = HazardClip.project(camera, script, tS);
                    if (box != null) {
                        // The source frame is borrowed: drawing into it is fine, the grabber overwrites it next.
                        HazardClip.composite(f.image(), spriteBgra, box);
                    }
                    recorder.record(converter.convert(f.image()));
                    frames.add(frame(json, f.index(), tS, script, camera, box));
                    progress.update(++n);
                }
                progress.done();
            } finally {
                recorder.stop();
                recorder.release();
            }
        }
        truth.put("videoSha256", sha256(outPath));
        Path truthPath = Path.of(outPath + TRUTH_SUFFIX);
        json.writeValue(truthPath.toFile(), truth);
        System.out.printf("wrote %s (%,d frames) and its ground truth %s%n", outPath, frames.size(), truthPath);
        return 0;
    }

    private void writeSprite(Path spritePath) throws IOException {
        if (spriteBox == null || spriteBox.length != 4) {
            throw new IllegalArgumentException("--sprite-from needs --sprite-box X,Y,W,H (the vehicle's box in the photo)");
        }
        Mat photo = imread(spriteFrom.toString(), IMREAD_COLOR);
        if (photo.empty()) {
            throw new IllegalArgumentException("cannot read photo " + spriteFrom + " (missing, or not an image OpenCV can decode)");
        }
        Rect box = new Rect(spriteBox[0], spriteBox[1], spriteBox[2], spriteBox[3]);
        if (box.x() < 0 || box.y() < 0 || box.x() + box.width() > photo.cols() || box.y() + box.height() > photo.rows()) {
            throw new IllegalArgumentException("--sprite-box lies outside the " + photo.cols() + "x" + photo.rows() + " photo");
        }
        try (Mat cut = HazardClip.cutOut(photo, box)) {
            Files.createDirectories(spritePath.toAbsolutePath().getParent());
            if (!imwrite(spritePath.toString(), cut)) {
                throw new IOException("could not write sprite " + spritePath);
            }
        }
        System.out.println("wrote sprite " + spritePath);
    }

    public static FFmpegFrameRecorder openRecorder(Path outPath, FrameSource source) throws FrameRecorder.Exception {
        // H.264 is what dashcams record; the bundled FFmpeg encodes it with OpenH264. MPEG-4 part 2
        // is the fallback every FFmpeg build can encode.
        for (int codec : new int[] {avcodec.AV_CODEC_ID_H264, avcodec.AV_CODEC_ID_MPEG4}) {
            FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(outPath.toString(), source.width(), source.height(), 0);
            recorder.setFormat("mp4");
            recorder.setFrameRate(source.frameRate() > 0 ? source.frameRate() : 25.0);
            recorder.setVideoCodec(codec);
            recorder.setVideoBitrate(VIDEO_BITRATE_BPS);
            recorder.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
            try {
                recorder.start();
                return recorder;
            } catch (FrameRecorder.Exception e) {
                recorder.release();
                if (codec == avcodec.AV_CODEC_ID_MPEG4) {
                    throw e;
                }
            }
        }
        throw new IllegalStateException("unreachable");
    }

    private static void describe(ObjectNode truth, Path background, Path sprite, LeadVehicleScript s, CameraModel camera)
            throws IOException {
        truth.put("description", "Composite for evaluation: a real road clip with a real car cut out of a photo, placed as a"
                + " scripted lead vehicle through the assumed camera. Ground truth is exact for the lead only; the road's"
                + " own vehicles are not in it.");
        truth.put("background", background.getFileName().toString());
        truth.put("backgroundSha256", sha256(background));
        truth.put("sprite", sprite.getFileName().toString());
        truth.put("spriteSha256", sha256(sprite));
        truth.put("scenario", "NHTSA FCW confirmation test 2 (slower lead), then the lead changes to the left lane");
        truth.put("expectedAlert", "FORWARD_COLLISION");
        // NHTSA's pass criterion for a slower lead: warning at TTC >= 2.0 s.
        truth.put("minWarningTtcS", 2.0);
        ObjectNode sc = truth.putObject("script");
        sc.put("egoSpeedMps", s.egoSpeedMps());
        sc.put("leadSpeedMps", s.leadSpeedMps());
        sc.put("initialGapM", s.initialGapM());
        sc.put("initialLateralM", s.initialLateralM());
        sc.put("laneChangeAtS", s.laneChangeAtS());
        sc.put("laneChangeSpeedMps", s.laneChangeSpeedMps());
        sc.put("laneChangeWidthM", s.laneChangeWidthM());
        sc.put("widthM", s.widthM());
        sc.put("heightM", s.heightM());
        ObjectNode cam = truth.putObject("camera");
        cam.put("calibrationId", AssumedDrive.CALIBRATION_ID);
        cam.put("fxPx", camera.fxPx());
        cam.put("fyPx", camera.fyPx());
        cam.put("cxPx", camera.cxPx());
        cam.put("cyPx", camera.cyPx());
        cam.put("mountingHeightM", camera.mountingHeightM());
        cam.put("pitchRad", camera.pitchRad());
    }

    /** Ego half width of the scenario spec: inside it the lead is in the ego's path. */
    static final double EGO_HALF_WIDTH_M = 0.9;

    private static ObjectNode frame(ObjectMapper json, long index, double tS, LeadVehicleScript s, CameraModel camera,
                                    HazardClip.BoxPx box) {
        ObjectNode f = json.createObjectNode();
        f.put("frameIndex", index);
        f.put("timeS", round(tS, 4));
        f.put("gapM", round(s.gapM(tS), 3));
        f.put("lateralM", round(s.lateralM(tS), 3));
        f.put("closingSpeedMps", s.closingSpeedMps());
        f.put("ttcS", round(s.ttcS(tS), 3));
        f.put("inEgoPath", Math.abs(s.lateralM(tS)) - s.widthM() / 2 < EGO_HALF_WIDTH_M && s.gapM(tS) > 0);
        if (box != null) {
            ArrayNode b = f.putArray("boxPx");
            b.add(round(Math.max(0, box.x1()), 1)).add(round(Math.max(0, box.y1()), 1))
                    .add(round(Math.min(camera.widthPx(), box.x2()), 1)).add(round(Math.min(camera.heightPx(), box.y2()), 1));
        }
        return f;
    }

    private static double round(double v, int digits) {
        double scale = Math.pow(10, digits);
        return Math.round(v * scale) / scale;
    }

    static String sha256(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) >= 0; ) {
                digest.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
