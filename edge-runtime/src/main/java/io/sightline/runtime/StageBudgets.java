package io.sightline.runtime;

import io.sightline.domain.event.EventIds;
import io.sightline.domain.event.StageDeadlineMissed;
import io.sightline.inference.Clocks;
import io.sightline.inference.ProducedEvent;
import java.util.List;

/**
 * Per-frame latency budgets of the edge pipeline's stages. A frame that takes longer in a stage
 * is recorded as {@code StageDeadlineMissed} (causes: its {@code FrameCaptured}); see
 * {@code docs/latency-budget.md} for the measured figures.
 *
 * <p>The numbers follow from the camera: at 25 fps a frame arrives every 40 ms, and at 25 m/s
 * (90 km/h) every 40 ms of latency is a metre travelled before the driver is warned.
 */
public final class StageBudgets {

    /** Grab, decode and copy one 960×540 H.264 frame; FFmpeg does it in 2–4 ms, so 10 ms means the decoder is starved. */
    public static final long DECODE_BUDGET_NANOS = 10_000_000L;
    /**
     * Preprocess + inference + postprocess of the active model: two frame periods. Beyond that the
     * latest-wins queue drops every other frame and the tracker loses its motion model, so
     * repeated misses switch to the faster fallback model (FallbackDetector).
     */
    public static final long DETECT_BUDGET_NANOS = 80_000_000L;
    /** Tracker, range/TTC, risk policy and actuation for one frame: allocation-free math, microseconds normally. */
    public static final long DECIDE_BUDGET_NANOS = 5_000_000L;
    /** One journal append per frame (SQLite WAL, synchronous=FULL); its fsync is shared by a group (ADR-0033) or, with an alert, its own. */
    public static final long JOURNAL_BUDGET_NANOS = 25_000_000L;
    /** From the end of decoding to the actuation decision: what the driver waits for. */
    public static final long FRAME_TO_DECISION_BUDGET_NANOS = 100_000_000L;

    /** Stage names, as they appear in StageDeadlineMissed.stage, FramesDropped.stage and the summary. */
    public static final String DECODE = "decode";
    public static final String DETECT = "detect";
    public static final String DECIDE = "decide";
    public static final String JOURNAL = "journal";
    public static final String FRAME_TO_DECISION = "frame-to-decision";
    /** Not a budgeted stage: how long the journal stage waited for a frame's evidence picture before appending it. */
    public static final String JOURNAL_EVIDENCE_WAIT = "journal-evidence-wait";

    private StageBudgets() {
    }

    /** Adds a StageDeadlineMissed of the frame to {@code events} when {@code actualNanos} is over the budget. */
    static void recordMiss(List<ProducedEvent> events, String stage, String frameId, long budgetNanos, long actualNanos) {
        if (actualNanos > budgetNanos) {
            events.add(new ProducedEvent(EventIds.of(frameId, "StageDeadlineMissed", stage), Clocks.epochNanos(),
                    new StageDeadlineMissed(stage, frameId, budgetNanos, actualNanos, List.of(frameId))));
        }
    }
}
