package io.sightline.runtime.clip;

import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_encoder_by_name;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Encodes a window of a {@link FrameRing} once into an H.264 MP4 clip (ADR-0041): the evidence of
 * a source that has no packets an MP4 can carry. Runs on the clip stage's thread, at low priority,
 * never the detector's.
 *
 * <p>The encoder is the first of {@link #PREFERRED_ENCODERS} the bundled FFmpeg has: JavaCV's
 * FFmpeg is the LGPL build, which has Cisco's OpenH264 and no libx264 (a GPL build would); both give
 * a Baseline/High H.264 stream every browser plays.
 */
public final class ClipEncoder {

    /** libx264 when the FFmpeg build has it (a GPL build), else OpenH264 (JavaCV's LGPL build). */
    public static final List<String> PREFERRED_ENCODERS = List.of("libx264", "libopenh264");
    /**
     * Bits per second per pixel per frame: 0.1 gives 640×360 at 25 Hz about 0.6 Mbit/s, a 40 s window
     * about 3 MB, sharp enough that a decoded frame is within 30 dB PSNR of the ring's (the tests check it).
     */
    static final double BITS_PER_PIXEL = 0.1;
    /** A keyframe a second: a viewer seeks to any frame decoding at most one second of video. */
    static final double KEYFRAME_EVERY_S = 1.0;

    private final String encoder;

    private ClipEncoder(String encoder) {
        this.encoder = encoder;
    }

    /**
     * The first of {@code names} the bundled FFmpeg can encode with.
     *
     * @throws ClipException naming what was looked for, when none is there
     */
    public static ClipEncoder open(List<String> names) {
        for (String name : names) {
            AVCodec c = avcodec_find_encoder_by_name(name);
            if (c != null && !c.isNull()) {
                return new ClipEncoder(name);
            }
        }
        throw new ClipException("no H.264 encoder in the bundled FFmpeg (looked for " + String.join(", ", names)
                + "); evidence of this source is kept as JPEG frames. Install a JavaCV FFmpeg build with one, or run with"
                + " --evidence-form jpeg to say so");
    }

    public String name() {
        return encoder;
    }

    /**
     * Encodes frames {@code first}…{@code last} of {@code ring} (each must be held) at {@code frameRateHz}.
     * The ring's frames from {@code first} are pinned while they are read.
     *
     * @return the MP4's bytes and the frames it holds
     */
    public ClipCutter.Clip encode(FrameRing ring, long first, long last, double frameRateHz, Path scratch) {
        int w = ring.width();
        int h = ring.height();
        double fps = frameRateHz > 0 ? frameRateHz : 25.0;
        Path tmp = ClipCutter.scratchFile(scratch, "encode-");
        int frames = 0;
        try (Mat i420 = new Mat()) {
            ring.pin(first);
            FFmpegFrameRecorder rec = new FFmpegFrameRecorder(tmp.toFile(), w, h, 0);
            try {
                rec.setFormat("mp4");
                rec.setVideoCodecName(encoder);
                rec.setPixelFormat(AV_PIX_FMT_YUV420P);
                rec.setFrameRate(fps);
                rec.setGopSize(Math.max(1, (int) Math.round(fps * KEYFRAME_EVERY_S)));
                rec.setVideoBitrate((int) Math.max(100_000, Math.round(w * (double) h * fps * BITS_PER_PIXEL)));
                rec.setOption("movflags", "+faststart");
                // One thread: the clip stage shares the second core with decode and decide, and must not reach the detector's.
                rec.setVideoOption("threads", "1");
                if ("libx264".equals(encoder)) {
                    rec.setVideoOption("preset", "veryfast");
                }
                rec.start();
                for (long i = first; i <= last; i++) {
                    if (!ring.copyI420(i, i420)) {
                        throw new ClipException("frame " + i + " of the window is no longer in the frame ring (held from "
                                + ring.contiguousFrom() + ")");
                    }
                    ring.pin(i + 1);
                    ByteBuffer buf = i420.data().capacity((long) w * h * 3 / 2).asBuffer();
                    rec.recordImage(w, h, Frame.DEPTH_UBYTE, 1, w, AV_PIX_FMT_YUV420P, buf);
                    frames++;
                }
                rec.stop();
            } finally {
                ring.unpin();
                rec.release();
            }
            return ClipCutter.readBack(tmp, first, frames, fps);
        } catch (FFmpegFrameRecorder.Exception e) {
            throw new ClipException("the " + encoder + " encoder failed on frames " + first + "…" + last + ": " + e.getMessage());
        } finally {
            ClipCutter.deleteScratch(tmp);
        }
    }
}
