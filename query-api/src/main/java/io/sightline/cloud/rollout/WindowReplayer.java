package io.sightline.cloud.rollout;

import java.util.List;

/**
 * Runs an alert window's frames through one model, tracker, range/TTC and policy, cold, as the edge
 * would have run them (ADR-0040). The cloud's own modules hold no video decoder or detector; the
 * application that carries the edge's perception code ({@code app}) provides the implementation,
 * and a cloud without it does not replay (the gate says so).
 */
public interface WindowReplayer {

    /** A registered model, verified (sha256 and release signature) by the caller. */
    record Model(String sha256, String manifestJson, byte[] weights) {
    }

    /**
     * @param clip           the window's MP4 clip (EvidenceClipRecorded): decoded frame k is the window's k-th frame
     * @param frameTimeNanos the edge-clock time of decoded frame k; frames past its end are not replayed
     * @param egoSpeedMps    the vehicle's speed at frame k as the session recorded it (NaN: the edge's assumed speed)
     */
    record Window(byte[] clip, long[] frameTimeNanos, double[] egoSpeedMps) {
    }

    /** An alert the replay raised, with the TTC of the assessment that raised it (NaN when none). */
    record Alert(String kind, long raisedAtNanos, double ttcS) {
    }

    record Replay(int frames, List<Alert> alerts) {
    }

    /**
     * @param policyJson the risk policy to decide with (a registered policy's bytes)
     * @throws IllegalArgumentException when the clip or the model cannot be used, with the reason
     */
    Replay replay(Window window, Model model, String policyJson);
}
