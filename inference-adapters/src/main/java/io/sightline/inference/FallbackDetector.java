package io.sightline.inference;

import io.sightline.domain.event.EventIds;

import io.sightline.domain.event.FallbackEngaged;
import io.sightline.domain.event.InferenceFailed;
import io.sightline.domain.event.PrimaryRestored;
import io.sightline.domain.event.StageDeadlineMissed;
import org.bytedeco.opencv.opencv_core.Mat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Primary detector with a fallback. When the primary fails or misses its deadline on
 * {@code maxBad} of the last {@code window} frames, {@link FallbackEngaged} is emitted and the
 * fallback serves frames. While on the fallback the primary is probed every {@code probeEvery}
 * frames (its result discarded); once it has been healthy (no failure, within deadline) for
 * {@code restoreAfterNanos}, {@link PrimaryRestored} is emitted and it serves frames again.
 * A frame the primary failed on is re-run on the fallback, so no frame goes without detections.
 */
public final class FallbackDetector implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FallbackDetector.class);

    /**
     * @param deadlineNanos     the primary's per-frame budget (preprocess + inference + postprocess)
     * @param maxBad            misses or failures within the window that engage the fallback
     * @param window            number of most recent primary frames considered
     * @param restoreAfterNanos how long the probed primary must stay healthy to be restored
     * @param probeEvery        probe the primary every N frames while on the fallback
     */
    public record Policy(long deadlineNanos, int maxBad, int window, long restoreAfterNanos, int probeEvery) {
        public Policy {
            if (maxBad < 1 || window < maxBad || probeEvery < 1 || deadlineNanos <= 0 || restoreAfterNanos < 0) {
                throw new IllegalArgumentException("invalid fallback policy " + maxBad + "/" + window + ", probeEvery "
                        + probeEvery + ", deadline " + deadlineNanos + ", restoreAfter " + restoreAfterNanos);
            }
        }
    }

    private final Detector primary;
    private final Detector fallback;
    private final EventSink sink;
    private volatile Policy policy;

    private final boolean[] bad;
    private final String[] badEventIds;
    private final String[] badKinds;
    private int ring;
    private int badCount;

    private boolean onFallback;
    private long healthySince = -1;
    private long framesOnFallback;
    private Detector lastUsed;

    public FallbackDetector(Detector primary, Detector fallback, Policy policy, EventSink sink) {
        this.primary = primary;
        this.fallback = fallback;
        this.policy = policy;
        this.sink = sink;
        this.bad = new boolean[policy.window()];
        this.badEventIds = new String[policy.window()];
        this.badKinds = new String[policy.window()];
        this.lastUsed = primary;
    }

    /** Replaces the policy (deadline, thresholds, restore time); the window size stays. */
    public void updatePolicy(Policy p) {
        if (p.window() != bad.length) {
            throw new IllegalArgumentException("window size cannot change: " + bad.length + " → " + p.window());
        }
        this.policy = p;
    }

    public boolean onFallback() {
        return onFallback;
    }

    /** The detector whose result the last {@link #detect} returned. */
    public Detector lastUsed() {
        return lastUsed;
    }

    public Detector primary() {
        return primary;
    }

    public Detector fallback() {
        return fallback;
    }

    /**
     * Detects on one frame with whichever model is active.
     *
     * @param frameEventId the FrameCaptured event id, named as the cause of any event produced here
     */
    public Detections detect(Mat bgr, String frameEventId) {
        Policy p = policy;
        if (!onFallback) {
            Detections d;
            try {
                d = primary.detect(bgr);
            } catch (InferenceException e) {
                String id = EventIds.of(frameEventId, "InferenceFailed", primary.manifest().name());
                sink.emit(new ProducedEvent(id, Clocks.epochNanos(), new InferenceFailed(frameEventId,
                        primary.manifest().name(), primary.manifest().version(), e.getMessage(), Clocks.epochNanos(),
                        List.of(frameEventId))));
                record(true, id, "inference-failed", p, frameEventId);
                lastUsed = fallback;
                return fallback.detect(bgr);
            }
            long took = primary.lastTimes().totalNanos();
            if (took > p.deadlineNanos()) {
                String id = EventIds.of(frameEventId, "StageDeadlineMissed", "detect:" + primary.manifest().name());
                sink.emit(new ProducedEvent(id, Clocks.epochNanos(), new StageDeadlineMissed(
                        "detect:" + primary.manifest().name(), frameEventId, p.deadlineNanos(), took, List.of(frameEventId))));
                record(true, id, "deadline-missed", p, frameEventId);
            } else {
                record(false, null, null, p, frameEventId);
            }
            lastUsed = primary;
            return d;
        }
        Detections d = fallback.detect(bgr);
        lastUsed = fallback;
        if (framesOnFallback++ % p.probeEvery() == 0) {
            probe(bgr, frameEventId, p);
        }
        return d;
    }

    private void probe(Mat bgr, String frameEventId, Policy p) {
        boolean healthy;
        try {
            primary.detect(bgr);
            healthy = primary.lastTimes().totalNanos() <= p.deadlineNanos();
        } catch (InferenceException e) {
            healthy = false;
        }
        long now = System.nanoTime();
        if (!healthy) {
            healthySince = -1;
            return;
        }
        if (healthySince < 0) {
            healthySince = now;
        }
        long healthyFor = now - healthySince;
        if (healthyFor >= p.restoreAfterNanos()) {
            onFallback = false;
            healthySince = -1;
            clearWindow();
            long at = Clocks.epochNanos();
            sink.emit(new ProducedEvent(EventIds.of(frameEventId, "PrimaryRestored", 0), at, new PrimaryRestored(
                    fallback.manifest().name(), primary.manifest().name(), healthyFor, at, List.of(frameEventId))));
            LOG.info("primary {} restored after {} ms healthy", primary.manifest().name(), healthyFor / 1_000_000);
        }
    }

    private void record(boolean isBad, String eventId, String kind, Policy p, String frameEventId) {
        int slot = ring;
        if (bad[slot]) {
            badCount--;
        }
        bad[slot] = isBad;
        badEventIds[slot] = eventId;
        badKinds[slot] = kind;
        if (isBad) {
            badCount++;
        }
        ring = (ring + 1) % bad.length;
        if (badCount >= p.maxBad()) {
            engage(p, frameEventId);
        }
    }

    private void engage(Policy p, String frameEventId) {
        List<String> causes = new ArrayList<>(badCount);
        int failed = 0;
        int missed = 0;
        for (int i = 0; i < bad.length; i++) {
            int slot = (ring + i) % bad.length; // oldest first
            if (bad[slot]) {
                causes.add(badEventIds[slot]);
                if ("inference-failed".equals(badKinds[slot])) failed++; else missed++;
            }
        }
        String reason = (missed >= failed ? "deadline-missed " + missed : "inference-failed " + failed)
                + " of " + bad.length + " frames" + (missed > 0 && failed > 0 ? " (" + missed + " missed, " + failed + " failed)" : "");
        onFallback = true;
        healthySince = -1;
        framesOnFallback = 1; // the first probe comes probeEvery frames later
        clearWindow();
        long at = Clocks.epochNanos();
        sink.emit(new ProducedEvent(EventIds.of(frameEventId, "FallbackEngaged", 0), at, new FallbackEngaged(
                primary.manifest().name(), fallback.manifest().name(), reason, at, List.copyOf(causes))));
        LOG.warn("fallback engaged: {} → {} ({})", primary.manifest().name(), fallback.manifest().name(), reason);
    }

    private void clearWindow() {
        for (int i = 0; i < bad.length; i++) {
            bad[i] = false;
            badEventIds[i] = null;
            badKinds[i] = null;
        }
        badCount = 0;
        ring = 0;
    }

    @Override
    public void close() {
        try {
            primary.close();
        } finally {
            fallback.close();
        }
    }
}
