package io.sightline.cloud.rollout;

/** A request that the rollout's current state refuses (409): a second active rollout in a fleet, a halt of a halted rollout. */
public class RolloutConflictException extends RuntimeException {

    public RolloutConflictException(String message) {
        super(message);
    }
}
