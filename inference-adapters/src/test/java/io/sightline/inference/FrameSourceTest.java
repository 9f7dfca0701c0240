package io.sightline.inference;

import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;

/** Real clips and real broken files (made here from the shipped samples). */
class FrameSourceTest {
    static final String CLIP_720 = "udacity_vd_test_video.mp4";

    @TempDir
    Path tmp;

    @Test
    void decodesEveryFrameOfTheSampleWithContainerTimestamps() {
        List<Long> times = new ArrayList<>();
        try (FrameSource src = FrameSource.open(TestData.sample(CLIP_720).toString())) {
            assertThat(src.width()).isEqualTo(1280);
            assertThat(src.height()).isEqualTo(720);
            assertThat(src.declaredFrames()).isEqualTo(38);
            assertThat(src.isLive()).isFalse();
            VideoFrame keep = null;
            for (VideoFrame f; (f = src.next()) != null; ) {
                assertThat(f.index()).isEqualTo(times.size());
                assertThat(f.image().type()).isEqualTo(CV_8UC3);
                times.add(f.captureTimeNanos());
                if (f.index() == 0) {
                    keep = f.copy(); // a copy survives later grabs
                }
            }
            assertThat(src.next()).isNull();
            assertThat(keep.image().cols()).isEqualTo(1280);
            assertThat(keep.owned()).isTrue();
            keep.close();
        }
        assertThat(times).hasSize(38);
        assertThat(times.get(0)).isZero();
        assertThat(times.get(1)).isEqualTo(40_000_000L); // 25 fps, µs → ns
        assertThat(times.get(37)).isEqualTo(37 * 40_000_000L);
    }

    @Test
    void realtimePacesAtTheNativeRate() {
        long t0 = System.nanoTime();
        try (FrameSource src = FrameSource.open(TestData.sample(CLIP_720).toString(), new FrameSource.Options(true, 1, 5000))) {
            for (int i = 0; i < 6; i++) {
                assertThat(src.next()).isNotNull();
            }
        }
        // frames 0..5 span 200 ms of media time; as-fast-as-possible takes a fraction of that
        assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(195);
    }

    @Test
    void v4l2InputIsAvailableOrClearlyExplainedAndAMissingDeviceIsNamed() {
        try {
            FrameSource.registerDevices();
            assertThat(org.bytedeco.ffmpeg.global.avformat.av_find_input_format("video4linux2")).isNotNull();
        } catch (FrameSourceException e) {
            // hosts without libpulse.so.0 cannot load libavdevice: the error must say so
            assertThat(e.getMessage()).contains("libavdevice").contains("libpulse");
        }
        assertThatThrownBy(() -> FrameSource.open("/dev/video97"))
                .isInstanceOf(FrameSourceException.class)
                .hasMessage("video device not found: /dev/video97");
    }

    @Test
    void missingFileNamesTheFile() {
        Path missing = tmp.resolve("nope.mp4");
        assertThatThrownBy(() -> FrameSource.open(missing.toString()))
                .isInstanceOf(FrameSourceException.class)
                .hasMessageContaining("video file not found")
                .hasMessageContaining(missing.toString());
    }

    @Test
    void unreachableStreamFailsFastWithTheUrl() {
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> FrameSource.open("rtsp://127.0.0.1:9/x", new FrameSource.Options(false, 0, 1500)))
                .isInstanceOf(FrameSourceException.class)
                .hasMessageContaining("cannot open stream 'rtsp://127.0.0.1:9/x'");
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(10_000);
    }

    @Test
    void ffmpegNativeLogLinesGoThroughTheSlf4jBridge() throws Exception {
        Path f = tmp.resolve("garbage.mp4");
        Files.write(f, "not a video at all".repeat(100).getBytes(StandardCharsets.US_ASCII));
        FrameSource.open(TestData.sample(CLIP_720).toString()).close(); // installs the bridge
        long before = io.sightline.inference.internal.FfmpegLogBridge.linesRouted();
        assertThatThrownBy(() -> FrameSource.open(f.toString())).isInstanceOf(FrameSourceException.class);
        // FFmpeg complained about the file through our callback, not on the process's stderr
        assertThat(io.sightline.inference.internal.FfmpegLogBridge.linesRouted()).isGreaterThan(before);
    }

    @Test
    void randomBytesNamedMp4AreRejected() throws Exception {
        Path f = tmp.resolve("random.mp4");
        byte[] junk = new byte[64 * 1024];
        new Random(42).nextBytes(junk);
        Files.write(f, junk);
        assertThatThrownBy(() -> FrameSource.open(f.toString()))
                .isInstanceOf(FrameSourceException.class)
                .hasMessageContaining("cannot open video '" + f + "'")
                .hasMessageContaining("avformat_open_input");
    }

    @Test
    void mp4CutShortWithMoovAtTheEndCannotBeOpened() throws Exception {
        // The sample keeps its moov at the front (ftyp 28 B, moov, wide, mdat). A moov-at-end file cut
        // short is ftyp + part of mdat and no moov: build exactly that from the real sample.
        byte[] all = Files.readAllBytes(TestData.sample(CLIP_720));
        int mdatAt = indexOf(all, "mdat".getBytes(StandardCharsets.US_ASCII)) - 4;
        assertThat(mdatAt).as("mdat box in sample").isGreaterThan(28);
        byte[] ftyp = Arrays.copyOfRange(all, 0, 28);
        byte[] mdatPart = Arrays.copyOfRange(all, mdatAt, mdatAt + all.length / 2);
        Path f = tmp.resolve("moov_at_end_truncated.mp4");
        Files.write(f, concat(ftyp, mdatPart));
        assertThatThrownBy(() -> FrameSource.open(f.toString()))
                .isInstanceOf(FrameSourceException.class)
                .hasMessageContaining("cannot open video '" + f + "'");
    }

    @Test
    void mp4CutShortWithMoovAtTheFrontReportsHowFarItGot() throws Exception {
        byte[] all = Files.readAllBytes(TestData.sample(CLIP_720));
        Path f = tmp.resolve("moov_at_front_truncated.mp4");
        Files.write(f, Arrays.copyOf(all, all.length * 2 / 5));
        int delivered = 0;
        try (FrameSource src = FrameSource.open(f.toString())) {
            assertThat(src.declaredFrames()).isEqualTo(38); // the header still claims the full clip
            try {
                while (src.next() != null) {
                    delivered++;
                }
                throw new AssertionError("expected StreamEndedEarlyException after " + delivered + " frames");
            } catch (StreamEndedEarlyException e) {
                assertThat(e.framesDecoded()).isEqualTo(delivered).isPositive().isLessThan(38);
                assertThat(e.framesDeclared()).isEqualTo(38);
                assertThat(e.getMessage()).contains(f.toString()).contains("ended early")
                        .contains("decoded " + delivered + " of 38");
            }
        }
    }

    @Test
    void mjpegAviDecodesAndAnUnknownCodecIsNamed() throws Exception {
        Path avi = tmp.resolve("clip.avi");
        writeMjpegAvi(avi, 5);
        int n = 0;
        try (FrameSource src = FrameSource.open(avi.toString())) {
            while (src.next() != null) n++;
        }
        assertThat(n).isEqualTo(5);

        byte[] bytes = Files.readAllBytes(avi);
        byte[] tag = "MJPG".getBytes(StandardCharsets.US_ASCII);
        int patched = 0;
        for (int i = indexOf(bytes, tag); i >= 0 && i < 8192; i = indexOf(bytes, tag, i + 1)) {
            System.arraycopy("QZ9X".getBytes(StandardCharsets.US_ASCII), 0, bytes, i, 4);
            patched++;
        }
        assertThat(patched).as("fourcc occurrences in the AVI header").isPositive();
        Path bad = tmp.resolve("unknown_codec.avi");
        Files.write(bad, bytes);
        assertThatThrownBy(() -> {
            try (FrameSource src = FrameSource.open(bad.toString())) {
                src.next();
            }
        }).isInstanceOf(FrameSourceException.class)
                .hasMessageContaining(bad.toString())
                .hasMessageContaining("unsupported codec");
    }

    @Test
    void vp9WebmAndMjpegMkvDecodeWithTimestamps() throws Exception {
        Path webm = tmp.resolve("clip.webm");
        write(webm, "webm", avcodec.AV_CODEC_ID_VP9, avutil.AV_PIX_FMT_YUV420P, 6);
        Path mkv = tmp.resolve("clip.mkv");
        write(mkv, "matroska", avcodec.AV_CODEC_ID_MJPEG, avutil.AV_PIX_FMT_YUVJ420P, 6);
        for (Path p : new Path[] {webm, mkv}) {
            List<Long> times = new ArrayList<>();
            try (FrameSource src = FrameSource.open(p.toString())) {
                for (VideoFrame f; (f = src.next()) != null; ) {
                    assertThat(f.width()).isEqualTo(320);
                    times.add(f.captureTimeNanos());
                }
            }
            assertThat(times).as(p.toString()).containsExactly(0L, 100_000_000L, 200_000_000L, 300_000_000L, 400_000_000L, 500_000_000L);
        }
    }

    /**
     * A real HTTP stream: a local server sends a WebM clip as one chunked response with no length,
     * as a camera's HTTP endpoint does, and FFmpeg's http protocol reads it. A URL is a live
     * source, so frame times come from the capture clock and increase.
     */
    @Test
    void httpStreamIsReadAsALiveSourceOnTheCaptureClock() throws Exception {
        Path webm = tmp.resolve("stream.webm");
        write(webm, "webm", avcodec.AV_CODEC_ID_VP9, avutil.AV_PIX_FMT_YUV420P, 8);
        byte[] clip = Files.readAllBytes(webm);
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        java.util.concurrent.atomic.AtomicInteger requests = new java.util.concurrent.atomic.AtomicInteger();
        server.createContext("/cam/stream.webm", exchange -> {
            requests.incrementAndGet();
            exchange.getResponseHeaders().add("Content-Type", "video/webm");
            exchange.sendResponseHeaders(200, 0); // chunked, no length: a stream
            try (var out = exchange.getResponseBody()) {
                for (int off = 0; off < clip.length; off += 4096) {
                    out.write(clip, off, Math.min(4096, clip.length - off));
                    out.flush();
                }
            }
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/cam/stream.webm";
            List<Long> times = new ArrayList<>();
            long before = System.currentTimeMillis() * 1_000_000L;
            try (FrameSource src = FrameSource.open(url)) {
                assertThat(src.isLive()).isTrue();
                for (VideoFrame f; (f = src.next()) != null; ) {
                    assertThat(f.width()).isEqualTo(320);
                    times.add(f.captureTimeNanos());
                }
            }
            long after = System.currentTimeMillis() * 1_000_000L + 1_000_000L;
            assertThat(times).hasSize(8);
            assertThat(times).isSorted().allSatisfy(t -> assertThat(t).isBetween(before, after));
            assertThat(requests.get()).isGreaterThanOrEqualTo(1);
            assertThat(FrameSource.sourceIdOf(url)).isEqualTo(url);
        } finally {
            server.stop(0);
        }
    }

    static void writeMjpegAvi(Path file, int frames) throws Exception {
        write(file, "avi", avcodec.AV_CODEC_ID_MJPEG, avutil.AV_PIX_FMT_YUVJ420P, frames);
    }

    static void write(Path file, String format, int codec, int pixFmt, int frames) throws Exception {
        try (FFmpegFrameRecorder rec = new FFmpegFrameRecorder(file.toFile(), 320, 240, 0);
             OpenCVFrameConverter.ToMat conv = new OpenCVFrameConverter.ToMat()) {
            rec.setFormat(format);
            rec.setVideoCodec(codec);
            rec.setPixelFormat(pixFmt);
            rec.setFrameRate(10);
            rec.start();
            for (int i = 0; i < frames; i++) {
                try (Mat m = new Mat(240, 320, CV_8UC3, new Scalar(20 * i, 100, 200, 0))) {
                    Frame f = conv.convert(m);
                    rec.record(f);
                }
            }
            rec.stop();
        }
    }

    static int indexOf(byte[] hay, byte[] needle) {
        return indexOf(hay, needle, 0);
    }

    static int indexOf(byte[] hay, byte[] needle, int from) {
        outer:
        for (int i = from; i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) continue outer;
            }
            return i;
        }
        return -1;
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    /** The source an event names leaves the vehicle: no local directories, no credentials, no tokens. */
    @Test
    void eventsNameTheSourceWithoutDirectoriesOrSecrets() {
        assertThat(FrameSource.sourceIdOf("/home/driver/clips/dashcam 01.mp4")).isEqualTo("dashcam 01.mp4");
        assertThat(FrameSource.sourceIdOf("samples/clip.mp4")).isEqualTo("clip.mp4");
        assertThat(FrameSource.sourceIdOf("file:///var/lib/sightline/clip.mkv")).isEqualTo("clip.mkv");
        assertThat(FrameSource.sourceIdOf("rtsp://admin:s3cret@10.0.0.7:554/live/main?token=abc#x"))
                .isEqualTo("rtsp://10.0.0.7:554/live/main").doesNotContain("s3cret").doesNotContain("token");
        assertThat(FrameSource.sourceIdOf("http://cam.local/stream.mjpg")).isEqualTo("http://cam.local/stream.mjpg");
        assertThat(FrameSource.sourceIdOf("/dev/video0")).isEqualTo("/dev/video0");
        assertThat(FrameSource.sourceIdOf("rtsp://user:p@ss word@cam/x")).isEqualTo("rtsp://…").doesNotContain("ss word");
    }
}
