package io.sightline.cloud.mining;

/**
 * What to mine: one fleet's frames with edge time in [fromNanos, toNanos), at most budgetFrames of
 * them (null: {@link #DEFAULT_BUDGET_SHARE} of the frames in scope, at least one).
 */
public record MiningRequest(String fleetId, long fromNanos, long toNanos, Integer budgetFrames) {

    public static final double DEFAULT_BUDGET_SHARE = 0.01;
    public static final int MAX_BUDGET_FRAMES = 1_000_000;

    /** Refuses what cannot be mined with a sentence that names the parameter; the API answers it as a 400, the CLI as exit 2. */
    public MiningRequest {
        if (fleetId == null || fleetId.isBlank()) {
            throw new IllegalArgumentException("fleet is required");
        }
        if (fromNanos >= toNanos) {
            throw new IllegalArgumentException("the range is empty or inverted: fromNanos (" + fromNanos + ") must be before toNanos ("
                    + toNanos + ")");
        }
        if (budgetFrames != null && (budgetFrames < 1 || budgetFrames > MAX_BUDGET_FRAMES)) {
            throw new IllegalArgumentException("budgetFrames must be between 1 and " + MAX_BUDGET_FRAMES + ", was " + budgetFrames);
        }
    }

    /** The budget for a scope of {@code framesInScope} frames. */
    public int budgetFor(long framesInScope) {
        if (budgetFrames != null) {
            return budgetFrames;
        }
        return framesInScope == 0 ? 0 : (int) Math.max(1, Math.ceil(DEFAULT_BUDGET_SHARE * framesInScope));
    }
}
