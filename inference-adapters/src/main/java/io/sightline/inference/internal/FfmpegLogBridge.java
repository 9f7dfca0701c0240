package io.sightline.inference.internal;

import org.bytedeco.ffmpeg.avutil.LogCallback;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacpp.BytePointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes FFmpeg's native log lines (the {@code [h264 @ 0x…] …} lines) through SLF4J at debug, so
 * they never reach the user's terminal as raw stderr. Installed once per JVM.
 */
public final class FfmpegLogBridge extends LogCallback {
    private static final Logger LOG = LoggerFactory.getLogger("io.sightline.inference.ffmpeg");
    private static volatile FfmpegLogBridge instance;
    private static final java.util.concurrent.atomic.AtomicLong LINES = new java.util.concurrent.atomic.AtomicLong();

    /** Native log lines received so far (all levels FFmpeg emitted at its current log level). */
    public static long linesRouted() {
        return LINES.get();
    }

    private FfmpegLogBridge() {
    }

    public static void install() {
        if (instance != null) {
            return;
        }
        synchronized (FfmpegLogBridge.class) {
            if (instance == null) {
                // JavaCPP/JavaCV's own messages (e.g. "rejected some options") go to SLF4J too, not stderr.
                if (System.getProperty("org.bytedeco.javacpp.logger") == null) {
                    System.setProperty("org.bytedeco.javacpp.logger", "slf4j");
                }
                FfmpegLogBridge bridge = new FfmpegLogBridge();
                avutil.av_log_set_level(LOG.isTraceEnabled() ? avutil.AV_LOG_DEBUG : avutil.AV_LOG_INFO);
                avutil.setLogCallback(bridge);
                instance = bridge; // strong reference: the native side keeps only a function pointer
            }
        }
    }

    @Override
    public void call(int level, BytePointer msg) {
        LINES.incrementAndGet();
        if (!LOG.isDebugEnabled()) {
            return;
        }
        String line = msg.getString();
        int end = line.length();
        while (end > 0 && (line.charAt(end - 1) == '\n' || line.charAt(end - 1) == '\r')) {
            end--;
        }
        if (end > 0) {
            LOG.debug("ffmpeg[{}] {}", level, line.substring(0, end));
        }
    }
}
