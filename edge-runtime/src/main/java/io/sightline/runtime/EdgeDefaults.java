package io.sightline.runtime;

import io.sightline.uplink.upload.Uploader;
import java.time.Duration;

/** The demo vehicle's identity and the edge's storage and upload settings, shared by `run` and `edge`. */
public final class EdgeDefaults {

    public static final String FLEET_ID = "fleet-demo";
    public static final String VEHICLE_ID = "demo-vehicle-01";
    public static final String DEVICE_ID = "demo-edge-01";

    /**
     * Evidence JPEGs the edge may keep (ADR-0008): at 40–75 KB a frame and 25 frames/s, 18–35
     * minutes of driving before retention deletes frames outside alert windows.
     */
    public static final long EVIDENCE_BUDGET_BYTES = 2L << 30;

    /**
     * How often an idle uploader looks for new events. An event waits up to this long before it
     * leaves the edge, and a safety app must see it within 250 ms of its emission (p99,
     * {@code bench-visibility}): at the uploader's default 200 ms that measured p99 295 ms, at 50 ms
     * the look is one indexed read of the journal, and a batch still carries a frame or two.
     */
    public static final Duration UPLOAD_IDLE_POLL = Duration.ofMillis(50);

    /**
     * Session-clock seconds per {@code EdgeWindowSummarized}: a minute keeps the always-on telemetry
     * near a kilobyte a minute while drift and latency detectors still see dozens of windows an hour.
     */
    public static final double SUMMARY_WINDOW_SECONDS = 60;

    /**
     * Journal group commit (ADR-0033): the frames' events are fsynced together at most this long after
     * the first of them, AlertRaised and ActuationCommanded at once. 50 ms is a frame or two at 25
     * frames/s, the most a crash may take of the non-safety events, and it is the uploader's idle poll,
     * so an event waits for its commit no longer than it already waited for the uploader.
     */
    public static final long JOURNAL_SYNC_INTERVAL_MILLIS = 50;
    /**
     * Nice value of the detect stage's thread (ADR-0039): the detector owns one core, and every other
     * thread of the frame (decode, FFmpeg's frame threads, decide, journal, evidence, the JIT) shares the
     * other. At the same priority Linux gives the detector a fair share only, and the pipeline ran at 0.66-0.76
     * of inference alone with the detector never short of frames (bench-pipeline's queue waits). CFS weighs
     * nice -10 about 9 times nice 0. Not real-time: a detector that never yields must not freeze the journal.
     * 0 leaves the thread as it is.
     */
    public static final int DETECTOR_NICE = -10;
    public static final Duration JOURNAL_SYNC_INTERVAL = Duration.ofMillis(JOURNAL_SYNC_INTERVAL_MILLIS);

    private EdgeDefaults() {
    }

    /** The uploader settings of an edge that keeps safety apps current: defaults with {@link #UPLOAD_IDLE_POLL}. */
    public static Uploader.Settings uploaderSettings() {
        Uploader.Settings d = Uploader.Settings.defaults();
        return new Uploader.Settings(d.maxEventsPerBatch(), d.maxBatchBytes(), d.initialBackoff(), d.maxBackoff(), d.blockedRetry(),
                UPLOAD_IDLE_POLL);
    }
}
