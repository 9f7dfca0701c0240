package io.sightline.runtime;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_MJPEG;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUVJ420P;

import java.io.ByteArrayOutputStream;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Baseline JPEGs from FFmpeg's MJPEG encoder, one per call, for the evidence stage. The OpenCV
 * that JavaCV ships encodes a 960×540 frame in 5.6 ms (its libjpeg-turbo has no SIMD); FFmpeg's
 * encoder, colour conversion included, in 2.9 ms (docs/benchmarks.md), and on a 2-core edge that
 * time is taken from decoding and detection.
 *
 * <p>An {@code image2pipe} muxer writes each frame's JPEG to an in-memory sink as it is encoded.
 * One encoder per thread; it restarts when the frame size changes. Even width and height only
 * (4:2:0 chroma); {@link #accepts} says which frames it takes.
 */
final class MjpegEncoder implements AutoCloseable {

    /** FFmpeg's quantiser scale (2 best … 31 worst); 3 gives ~32 KB at 960×540, as sharp as OpenCV's quality 80 at ~39 KB. */
    static final int QSCALE = 3;

    private final OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat();
    private final ByteArrayOutputStream sink = new ByteArrayOutputStream(64 * 1024);
    private FFmpegFrameRecorder recorder;
    private int widthPx;
    private int heightPx;

    static boolean accepts(Mat bgr) {
        return bgr.channels() == 3 && bgr.cols() % 2 == 0 && bgr.rows() % 2 == 0 && bgr.cols() > 0 && bgr.rows() > 0;
    }

    /**
     * @throws IllegalStateException when FFmpeg cannot encode the frame or its output is not one
     *                               complete JPEG; the caller then encodes another way
     */
    byte[] encode(Mat bgr) {
        if (!accepts(bgr)) {
            throw new IllegalArgumentException("MJPEG takes 3-channel frames of even size, got " + bgr.cols() + "x" + bgr.rows());
        }
        try {
            if (recorder == null || bgr.cols() != widthPx || bgr.rows() != heightPx) {
                start(bgr.cols(), bgr.rows());
            }
            sink.reset();
            recorder.record(converter.convert(bgr));
        } catch (FFmpegFrameRecorder.Exception e) {
            close();
            throw new IllegalStateException("FFmpeg could not encode a " + bgr.cols() + "x" + bgr.rows() + " JPEG: " + e.getMessage(), e);
        }
        byte[] jpeg = sink.toByteArray();
        int n = jpeg.length;
        if (n < 4 || (jpeg[0] & 0xFF) != 0xFF || (jpeg[1] & 0xFF) != 0xD8 || (jpeg[n - 2] & 0xFF) != 0xFF || (jpeg[n - 1] & 0xFF) != 0xD9) {
            close();
            throw new IllegalStateException("FFmpeg's MJPEG output for one frame was not one complete JPEG (" + n + " bytes)");
        }
        return jpeg;
    }

    private void start(int width, int height) throws FFmpegFrameRecorder.Exception {
        close();
        FFmpegFrameRecorder r = new FFmpegFrameRecorder(sink, width, height, 0);
        r.setFormat("image2pipe");
        r.setVideoCodec(AV_CODEC_ID_MJPEG);
        r.setPixelFormat(AV_PIX_FMT_YUVJ420P);
        r.setVideoQuality(QSCALE);
        r.setFrameRate(25);
        // One thread: the other core belongs to decoding and detection.
        r.setVideoOption("threads", "1");
        r.setInterleaved(false);
        r.start();
        recorder = r;
        widthPx = width;
        heightPx = height;
    }

    @Override
    public void close() {
        FFmpegFrameRecorder r = recorder;
        recorder = null;
        if (r != null) {
            try {
                r.close();
            } catch (org.bytedeco.javacv.FrameRecorder.Exception ignored) {
                // Closing a broken encoder: nothing left to release.
            }
        }
    }
}
