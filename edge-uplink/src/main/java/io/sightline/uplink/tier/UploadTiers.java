package io.sightline.uplink.tier;

import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.event.AlertSuppressed;
import io.sightline.domain.event.EventCatalog;
import io.sightline.domain.event.RiskAssessed;
import io.sightline.domain.event.RiskFactor;
import io.sightline.domain.event.SightlineEvent;
import io.sightline.domain.risk.Factor;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Set;

/**
 * What the edge uploads of a session (ADR-0027); the journal keeps everything regardless.
 * <ol>
 *   <li><b>safety</b>: the causal window (T−30 s … T+10 s) of every alert raised or suppressed and
 *       of every near miss, a risk decision within {@code nearMissMargin} of flipping;</li>
 *   <li><b>summary</b>: {@link #SUMMARY_TYPES}, always;</li>
 *   <li><b>sample</b>: whole sample windows of {@code sampleWindowNanos}, counted from the session's
 *       start, one in every round(1 / {@code sampleShare}), at an offset a hash of (seed, session,
 *       block) picks ({@link #sampled});</li>
 *   <li><b>on demand</b>: windows the cloud asks for later.</li>
 * </ol>
 * Everything else becomes a {@link io.sightline.domain.event.TierGapDeclared}, which records this rule.
 *
 * @param nearMissMargin relative distance to a threshold within which a factor that did not hold
 *                       counts as about to flip (0.15: a TTC of 2.4 s against 2.1 s)
 */
public record UploadTiers(double nearMissMargin, double sampleShare, long sampleWindowNanos, long sampleSeed) {

    public static final long WINDOW_BEFORE_NANOS = io.sightline.domain.evidence.AlertWindow.BEFORE_NANOS;
    public static final long WINDOW_AFTER_NANOS = io.sightline.domain.evidence.AlertWindow.AFTER_NANOS;

    /**
     * Always uploaded: what monitoring, provenance and accounting read (per-minute summaries, the
     * session's start and end, model activations and fallbacks, deadline misses, drops, refused
     * inputs, camera health), and every alert decision, whose clear may come after its window. A
     * shadow challenger's alerts and its drop and sampling records too (ADR-0032): the rollout gate's
     * alert agreement needs all of them, while its detections compare on whichever frames were sent.
     */
    public static final Set<String> SUMMARY_TYPES = Set.of("EdgeWindowSummarized", "DriveSessionStarted", "DriveSessionEnded",
            "ModelActivated", "ModelRejected", "FallbackEngaged", "PrimaryRestored", "InferenceFailed", "StageDeadlineMissed",
            "FramesDropped", "InputRejected", "CameraObstructed", "CameraRestored", "AlertRaised", "AlertCleared",
            "AlertSuppressed", "ActuationCommanded", "ShadowAlertRaised", "ShadowFramesDropped", "ShadowSamplingChanged",
            "EvidenceClipRecorded");

    /**
     * Individual StageDeadlineMissed and FramesDropped events uploaded per sample window, each; the
     * rest stay in the journal behind a declared gap. The window summary carries every stage's
     * latency count, p99 and maximum and the frames it saw, so the cloud still sees every miss and
     * drop in aggregate; an overloaded detector misses and drops on most frames (7 and 5 a second with
     * YOLOX-nano on this machine), which was 17 MB per hour and cut every gap into pieces.
     */
    public static final int FAULT_EVENTS_PER_WINDOW = 5;

    /** Summary-tier types that an overloaded stage emits per frame, capped by {@link #FAULT_EVENTS_PER_WINDOW}. */
    public static final Set<String> PER_FRAME_FAULTS = Set.of("StageDeadlineMissed", "FramesDropped");

    public UploadTiers {
        if (!(nearMissMargin >= 0) || Double.isInfinite(nearMissMargin)) {
            throw new IllegalArgumentException("the near-miss margin is a finite share >= 0, got " + nearMissMargin);
        }
        if (!(sampleShare >= 0 && sampleShare <= 1)) {
            throw new IllegalArgumentException("the sample share is between 0 and 1, got " + sampleShare);
        }
        if (sampleWindowNanos < 1_000_000_000L) {
            throw new IllegalArgumentException("a sample window is at least 1 s, got " + sampleWindowNanos + " ns");
        }
        for (String type : SUMMARY_TYPES) {
            if (EventCatalog.byName(type).isEmpty()) {
                throw new IllegalStateException("summary tier names unknown event type " + type);
            }
        }
    }

    /** A 15 % near-miss margin, 2 % of driving time in 30 s sample windows, seed 1. */
    public static UploadTiers defaults() {
        return new UploadTiers(0.15, 0.02, 30_000_000_000L, 1L);
    }

    public UploadTiers withSample(double share, long seed) {
        return new UploadTiers(nearMissMargin, share, sampleWindowNanos, seed);
    }

    public UploadTiers withNearMissMargin(double margin) {
        return new UploadTiers(margin, sampleShare, sampleWindowNanos, sampleSeed);
    }

    /** Whether this event opens a safety window around its own time: an alert raised or suppressed, or a near miss. */
    public boolean opensWindow(SightlineEvent event) {
        if (event instanceof AlertRaised || event instanceof AlertSuppressed) {
            return true;
        }
        return event instanceof RiskAssessed r && nearMiss(r);
    }

    /**
     * A decision that raised a level, or one where every decisive factor held or missed its
     * threshold by at most {@code nearMissMargin} of it: one small change away from an alert.
     */
    public boolean nearMiss(RiskAssessed r) {
        if (!"NONE".equals(r.level())) {
            return true;
        }
        boolean anyDecisive = false;
        for (RiskFactor f : r.factors()) {
            boolean decisive = Factor.byKey(f.name()).map(k -> k.role().decisive()).orElse(true);
            if (!decisive) {
                continue;
            }
            anyDecisive = true;
            if (!f.triggered() && !(-f.margin() <= nearMissMargin * Math.abs(f.threshold()))) {
                return false;
            }
        }
        return anyDecisive;
    }

    /** Index of the sample window holding {@code nanos}, counted from the session's start. */
    public long sampleWindow(long sessionStartNanos, long nanos) {
        return Math.floorDiv(nanos - sessionStartNanos, sampleWindowNanos);
    }

    /**
     * Whether sample window {@code index} of the session is uploaded. The windows are cut into
     * blocks of round(1 / sampleShare) and exactly one window per block is chosen, at the offset
     * SHA-256("sightline-sample\0" · seed · sessionId · block) mod the block length. Stratified
     * rather than a coin per window: a coin at 2 % leaves an hour without any sample one time in
     * eleven, while this spreads the share evenly over the drive and every window stays equally
     * likely. Anyone holding the recorded rule can recompute it.
     */
    public boolean sampled(String sessionId, long index) {
        if (sampleShare <= 0) {
            return false;
        }
        long block = Math.max(1, Math.round(1 / sampleShare));
        long blockIndex = Math.floorDiv(index, block);
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update("sightline-sample\0".getBytes(StandardCharsets.US_ASCII));
            sha.update(ByteBuffer.allocate(8).putLong(sampleSeed).array());
            sha.update(sessionId.getBytes(StandardCharsets.UTF_8));
            sha.update(ByteBuffer.allocate(8).putLong(blockIndex).array());
            long offset = Math.floorMod(ByteBuffer.wrap(sha.digest()).getLong(), block);
            return Math.floorMod(index, block) == offset;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JRE has no SHA-256", e);
        }
    }
}
