package io.sightline.inference;

import io.sightline.inference.internal.FfmpegLogBridge;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avformat;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.opencv_core.Mat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;

/**
 * Video frames from FFmpeg (JavaCV {@link FFmpegFrameGrabber}): files (mp4, webm, avi, mkv…),
 * network streams (rtsp/http/…) and V4L2 devices ({@code /dev/video*}). Uses {@code grabImage()}
 * so audio packets are skipped. Frame times come from container timestamps for files and from the
 * capture wall clock for live sources. Not thread-safe; frames are borrowed (see {@link VideoFrame}).
 */
public final class FrameSource implements AutoCloseable {

    /**
     * @param realtime       pace file playback at the native frame rate instead of as fast as possible
     * @param ffmpegThreads  decoder threads (0 = FFmpeg's choice; 1 gives steadier latency)
     * @param timeoutMillis  open/read timeout for network sources
     * @param playbackSpeed  with {@code realtime}, play at this multiple of the native rate: a file
     *                       paced faster than the pipeline can take it is how overload is tested
     */
    public record Options(boolean realtime, int ffmpegThreads, int timeoutMillis, double playbackSpeed) {
        public Options {
            if (!(playbackSpeed > 0) || Double.isInfinite(playbackSpeed)) {
                throw new IllegalArgumentException("playback speed must be a finite multiple > 0 of the native rate, got "
                        + playbackSpeed);
            }
        }

        public Options(boolean realtime, int ffmpegThreads, int timeoutMillis) {
            this(realtime, ffmpegThreads, timeoutMillis, 1.0);
        }

        public static Options defaults() {
            return new Options(false, 0, 5000);
        }
    }

    private static boolean devicesRegistered;

    /** Registers FFmpeg's input devices (v4l2) once; JavaCV does not do it for us. */
    static synchronized void registerDevices() {
        if (!devicesRegistered) {
            try {
                org.bytedeco.ffmpeg.global.avdevice.avdevice_register_all();
            } catch (LinkageError e) {
                // libjniavdevice links the system's PulseAudio client (libpulse.so.0), absent on minimal hosts
                throw new FrameSourceException("v4l2", "video devices are unavailable: FFmpeg's libavdevice cannot load ("
                        + e.getMessage() + "); install the system package libpulse0", e);
            }
            devicesRegistered = true;
        }
    }

    private final String location;
    private final boolean live;
    private final Options options;
    private final FFmpegFrameGrabber grabber;
    private final OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat();
    private final long declaredFrames;
    private long index;
    private long firstTsMicros = Long.MIN_VALUE;
    private long paceStartNanos;
    private boolean ended;

    private FrameSource(String location, boolean live, Options options, FFmpegFrameGrabber grabber, long declaredFrames) {
        this.location = location;
        this.live = live;
        this.options = options;
        this.grabber = grabber;
        this.declaredFrames = declaredFrames;
    }

    public static FrameSource open(String location) {
        return open(location, Options.defaults());
    }

    /**
     * Opens a file, URL or device.
     *
     * @throws FrameSourceException with a one-line reason (missing file, cannot open, no video
     *                              stream, unsupported codec, unreachable stream)
     */
    public static FrameSource open(String location, Options options) {
        FfmpegLogBridge.install();
        boolean url = location.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*");
        boolean device = location.startsWith("/dev/video");
        boolean live = device || (url && !location.toLowerCase(Locale.ROOT).startsWith("file://"));
        if (!url && !device) {
            Path p = Path.of(location);
            if (!Files.exists(p)) {
                throw new FrameSourceException(location, "video file not found: " + p.toAbsolutePath(), null);
            }
            if (!Files.isReadable(p) || Files.isDirectory(p)) {
                throw new FrameSourceException(location, "video file not readable: " + p.toAbsolutePath(), null);
            }
        }
        if (device) {
            if (!Files.exists(Path.of(location))) {
                throw new FrameSourceException(location, "video device not found: " + location, null);
            }
            registerDevices();
        }
        FFmpegFrameGrabber g = new FFmpegFrameGrabber(location);
        if (device) {
            g.setFormat("video4linux2");
        }
        if (url) {
            long micros = options.timeoutMillis() * 1000L;
            g.setTimeout(options.timeoutMillis());
            g.setOption("rw_timeout", Long.toString(micros));
            g.setOption("timeout", Long.toString(micros));
        }
        g.setImageMode(FrameGrabber.ImageMode.COLOR);
        if (options.ffmpegThreads() > 0) {
            g.setVideoOption("threads", Integer.toString(options.ffmpegThreads()));
        }
        try {
            g.start();
        } catch (FFmpegFrameGrabber.Exception e) {
            releaseQuietly(g);
            throw new FrameSourceException(location, describeOpenFailure(location, url || device, e.getMessage(), options), e);
        } catch (RuntimeException e) {
            releaseQuietly(g);
            throw new FrameSourceException(location, "cannot open video '" + location + "': " + e.getMessage(), e);
        }
        if (!g.hasVideo() || g.getImageWidth() <= 0 || g.getImageHeight() <= 0) {
            releaseQuietly(g);
            throw new FrameSourceException(location, "video '" + location + "' has no decodable video stream", null);
        }
        long declared = live ? -1 : declaredVideoFrames(g);
        return new FrameSource(location, live, options, g, declared);
    }

    private static String describeOpenFailure(String location, boolean network, String ffmpegMessage, Options options) {
        String raw = ffmpegMessage == null ? "" : ffmpegMessage.trim();
        if (raw.contains("avcodec_find_decoder") || raw.toLowerCase(Locale.ROOT).contains("codec not found")) {
            return "cannot decode video '" + location + "': unsupported codec (" + clean(raw) + ")";
        }
        if (raw.contains("Did not find a video")) {
            String codec = probeVideoCodec(location);
            if (codec != null) {
                return "cannot decode video '" + location + "': unsupported codec (" + codec + ")";
            }
            return "cannot open video '" + location + "': it has no video stream";
        }
        String reason = ffmpegError(raw);
        if (location.startsWith("/dev/")) {
            return "cannot open video device '" + location + "': " + reason;
        }
        if (network) {
            return "cannot open stream '" + location + "': " + reason + " (timeout " + options.timeoutMillis() + " ms)";
        }
        return "cannot open video '" + location + "': not a readable or complete media file: " + reason;
    }

    private static final java.util.regex.Pattern ERROR_CODE = java.util.regex.Pattern.compile("(\\w+)\\(\\) error (-?\\d+)");

    /** "avformat_open_input() error -111: …" → "Connection refused (avformat_open_input error -111)". */
    private static String ffmpegError(String raw) {
        java.util.regex.Matcher m = ERROR_CODE.matcher(raw);
        if (!m.find()) {
            return clean(raw);
        }
        int code = Integer.parseInt(m.group(2));
        String text;
        try (org.bytedeco.javacpp.BytePointer buf = new org.bytedeco.javacpp.BytePointer(256)) {
            buf.fill(0);
            if (avutil.av_strerror(code, buf, 256) == 0) {
                String t = buf.getString();
                int nul = t.indexOf('\0');
                text = nul >= 0 ? t.substring(0, nul) : t;
            } else {
                text = "error " + code;
            }
        }
        return text + " (" + m.group(1) + " error " + code + ")";
    }

    /** Drops JavaCV's developer hints from an FFmpeg error message. */
    private static String clean(String raw) {
        return raw.replace(" (Has setFormat() been called?)", "")
                .replace(" (For more details, make sure FFmpegLogCallback.set() has been called.)", "")
                .trim();
    }

    /** Describes the first video stream that has no FFmpeg decoder, or null. */
    private static String probeVideoCodec(String location) {
        AVFormatContext ctx = new AVFormatContext(null);
        if (avformat.avformat_open_input(ctx, location, null, null) < 0) {
            return null;
        }
        try {
            avformat.avformat_find_stream_info(ctx, (PointerPointer<?>) null);
            for (int i = 0; i < ctx.nb_streams(); i++) {
                AVCodecParameters par = ctx.streams(i).codecpar();
                if (par.codec_type() != avutil.AVMEDIA_TYPE_VIDEO) {
                    continue;
                }
                AVCodec dec = avcodec.avcodec_find_decoder(par.codec_id());
                if (dec == null || dec.isNull()) {
                    int tag = par.codec_tag();
                    StringBuilder fourcc = new StringBuilder();
                    for (int b = 0; b < 4; b++) {
                        char c = (char) ((tag >>> (8 * b)) & 0xff);
                        fourcc.append(c >= 0x20 && c < 0x7f ? c : '?');
                    }
                    return "no FFmpeg decoder for video stream " + i + ", fourcc '" + fourcc + "', codec id " + par.codec_id();
                }
            }
            return null;
        } finally {
            avformat.avformat_close_input(ctx);
        }
    }

    /** nb_frames of the video stream from the container header, or -1 when unknown. */
    private static long declaredVideoFrames(FFmpegFrameGrabber g) {
        AVFormatContext ctx = g.getFormatContext();
        if (ctx == null) {
            return -1;
        }
        for (int i = 0; i < ctx.nb_streams(); i++) {
            AVStream st = ctx.streams(i);
            if (st.codecpar().codec_type() == avutil.AVMEDIA_TYPE_VIDEO) {
                long n = st.nb_frames();
                return n > 0 ? n : -1;
            }
        }
        return -1;
    }

    /**
     * The next frame (borrowed; valid until the next call), or null at the normal end.
     *
     * @throws StreamEndedEarlyException when a file ends before its declared frame count
     * @throws FrameSourceException      on a read error
     */
    public VideoFrame next() {
        if (ended) {
            return null;
        }
        long t0 = System.nanoTime();
        Frame f;
        try {
            f = grabber.grabImage();
        } catch (FFmpegFrameGrabber.Exception e) {
            ended = true;
            throw new FrameSourceException(location, "error reading video '" + location + "' after " + index
                    + " frames: " + e.getMessage(), e);
        }
        long decodeNanos = System.nanoTime() - t0;
        if (f == null || f.image == null) {
            ended = true;
            if (declaredFrames > 0 && index < declaredFrames) {
                throw new StreamEndedEarlyException(location, index, declaredFrames);
            }
            return null;
        }
        Mat mat = converter.convert(f);
        long captureNanos;
        if (live) {
            captureNanos = Clocks.epochNanos();
        } else {
            long ts = f.timestamp;
            captureNanos = ts * 1000L;
            if (options.realtime()) {
                pace(ts);
            }
        }
        return new VideoFrame(index++, captureNanos, mat.cols(), mat.rows(), mat, decodeNanos, false);
    }

    private void pace(long tsMicros) {
        if (firstTsMicros == Long.MIN_VALUE) {
            firstTsMicros = tsMicros;
            paceStartNanos = System.nanoTime();
            return;
        }
        long due = paceStartNanos + (long) ((tsMicros - firstTsMicros) * 1000L / options.playbackSpeed());
        long now;
        while ((now = System.nanoTime()) < due) {
            LockSupport.parkNanos(due - now);
        }
    }

    /** What the frames' events name as their source: see {@link #sourceIdOf}. */
    public String sourceId() {
        return sourceIdOf(location);
    }

    /** The location as given (a path, URL or device), for local display only. */
    public String location() {
        return location;
    }

    /**
     * The source as events name it once they leave the vehicle: a file by its name alone (the
     * directories are the edge's business), a stream URL without user-info, query or fragment
     * ({@code rtsp://user:secret@cam/live?token=…} carries credentials), a device by its path.
     */
    public static String sourceIdOf(String location) {
        if (location.startsWith("/dev/video")) {
            return location;
        }
        if (location.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*")) {
            try {
                java.net.URI u = new java.net.URI(location);
                if ("file".equalsIgnoreCase(u.getScheme())) {
                    Path name = Path.of(u.getPath()).getFileName();
                    return name == null ? "file" : name.toString();
                }
                return new java.net.URI(u.getScheme(), null, u.getHost(), u.getPort(), u.getPath(), null, null).toString();
            } catch (java.net.URISyntaxException | IllegalArgumentException e) {
                // Not a URI Java can take apart: keep only the scheme, the rest may hold anything.
                return location.substring(0, location.indexOf("://") + 3) + "…";
            }
        }
        Path name = Path.of(location).getFileName();
        return name == null ? location : name.toString();
    }

    public boolean isLive() {
        return live;
    }

    public int width() {
        return grabber.getImageWidth();
    }

    public int height() {
        return grabber.getImageHeight();
    }

    public double frameRate() {
        return grabber.getVideoFrameRate();
    }

    /** Video frame count declared by the container header, or -1 when unknown (live, some formats). */
    public long declaredFrames() {
        return declaredFrames;
    }

    /** Frames delivered so far. */
    public long framesDecoded() {
        return index;
    }

    public String codecName() {
        return grabber.getVideoCodecName();
    }

    @Override
    public void close() {
        try {
            grabber.stop();
            grabber.release();
        } catch (FFmpegFrameGrabber.Exception e) {
            throw new FrameSourceException(location, "error closing video '" + location + "': " + e.getMessage(), e);
        } finally {
            converter.close();
        }
    }

    private static void releaseQuietly(FFmpegFrameGrabber g) {
        try {
            g.release();
        } catch (Exception ignored) {
            // already failing
        }
    }
}
