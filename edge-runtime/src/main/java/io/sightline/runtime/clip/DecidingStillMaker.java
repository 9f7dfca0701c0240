package io.sightline.runtime.clip;

import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Still JPEGs of the deciding frames (ADR-0041): the frame each alert was decided on, kept beside
 * its window's clip so that an investigator, an auditor or an export has the picture without a
 * video player. The camera's pixels, no boxes drawn (the viewer draws them from the frame's
 * detections, as over the clip). Made once per alert, on the clip stage's thread.
 */
public final class DecidingStillMaker {

    /** Higher than the old per-frame evidence (80): one picture per alert, read closely. */
    static final int JPEG_QUALITY = 90;

    public record Still(byte[] jpeg, int widthPx, int heightPx) {
    }

    private DecidingStillMaker() {
    }

    /** The ring's frame {@code frameIndex} (the pixels the encoder was given), or null when the ring no longer holds it. */
    public static Still fromRing(FrameRing ring, long frameIndex) {
        try (Mat bgr = new Mat()) {
            if (!ring.copyBgr(frameIndex, bgr)) {
                return null;
            }
            return new Still(jpeg(bgr), bgr.cols(), bgr.rows());
        }
    }

    /**
     * Decodes the clip at {@code mp4} (whose frame 0 is source frame {@code firstFrameIndex}) up
     * to the last of {@code frameIndices} and returns those frames' stills; a frame past the clip's
     * end is left out.
     */
    public static Map<Long, Still> fromClip(Path mp4, long firstFrameIndex, List<Long> frameIndices) {
        Map<Long, Still> out = new HashMap<>();
        long lastWanted = -1;
        for (long i : frameIndices) {
            lastWanted = Math.max(lastWanted, i);
        }
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(mp4.toFile());
             OpenCVFrameConverter.ToMat conv = new OpenCVFrameConverter.ToMat()) {
            g.setImageMode(FrameGrabber.ImageMode.COLOR);
            g.start();
            long k = firstFrameIndex;
            for (Frame f; k <= lastWanted && (f = g.grabImage()) != null; k++) {
                if (frameIndices.contains(k)) {
                    Mat m = conv.convert(f);
                    out.put(k, new Still(jpeg(m), m.cols(), m.rows()));
                }
            }
            g.stop();
        } catch (FrameGrabber.Exception e) {
            throw new ClipException("cannot decode the clip " + mp4.getFileName() + " for its deciding frames' stills: " + e.getMessage(),
                    e);
        }
        return out;
    }

    static byte[] jpeg(Mat bgr) {
        try (IntPointer params = new IntPointer(IMWRITE_JPEG_QUALITY, JPEG_QUALITY); BytePointer encoded = new BytePointer()) {
            if (!imencode(".jpg", bgr, encoded, params)) {
                throw new ClipException("OpenCV could not encode a " + bgr.cols() + "x" + bgr.rows() + " JPEG of a deciding frame");
            }
            byte[] out = new byte[(int) encoded.limit()];
            encoded.get(out);
            return out;
        }
    }
}
