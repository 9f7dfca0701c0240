package io.sightline.edge.scenario;

import java.util.List;

/**
 * The outcome of one scenario with one seed, in the spec's report shape:
 * {@code {id, seed, passed, firstAlert: {kind, atS, ttcTrueS}, collisionAtS, alerts: [...], reason}}.
 * {@code firstAlert} is the first alert of any kind (null when none); {@code ttcTrueS} and
 * {@code collisionAtS} are null when there is no collision.
 */
public record ScenarioResult(String id, long seed, boolean passed, Alert firstAlert, Double collisionAtS,
                             List<Alert> alerts, String reason, Counts counts) {

    /**
     * One alert as it happened.
     *
     * @param clearedAtS null when still on at the end of the run
     */
    public record Alert(String kind, double atS, Double ttcTrueS, Double clearedAtS, String trackId) {
    }

    /** What else happened, for diagnosis. */
    public record Counts(int frames, int assessments, int suppressions, int rejectedInputs, int tracksStarted) {
    }
}
