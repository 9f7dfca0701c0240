package io.sightline.domain.event;

/**
 * One step of a rollout plan (issue 17 §4).
 *
 * @param kind         {@code shadow} (the challenger runs beside the champion and never actuates) or
 *                     {@code canary} (the challenger replaces the champion on the step's cohort)
 * @param sharePercent the share of the rollout's vehicles in the step's cohort, (0, 100]
 * @param bakeSeconds  how long the step runs with its gates passing before the next step
 */
public record RolloutStep(String kind, double sharePercent, long bakeSeconds) {

    public static final String SHADOW = "shadow";
    public static final String CANARY = "canary";
}
