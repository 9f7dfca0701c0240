package io.sightline.cloud.rollout;

import io.sightline.domain.event.RolloutGateResult;
import java.util.Map;

/**
 * A check a rollout makes at every step, from the event stream (ADR-0026). A gate is named and
 * versioned; its thresholds are configuration, stored in the plan ({@code RolloutStarted.gates}) so
 * a stored rollout is always judged as it was started. A gate answers {@code NOT_APPLICABLE} for a
 * step it does not judge (the canary gates on a shadow step), {@code INSUFFICIENT_DATA} while the
 * step has too little evidence (the step holds), {@code FAIL} with the events that tripped it.
 *
 * <p>The shadow disagreement gates of issue 17 §3 (detection F1 against the champion, alert
 * agreement, TTC difference at the first warning, reviewed true positives the challenger would
 * miss) plug in here as further beans once the edge emits {@code Shadow…} events: they read a
 * shadow step's evidence from {@link GateContext} and answer {@code NOT_APPLICABLE} on canary steps.
 */
public interface RolloutGate {

    String name();

    String version();

    /** Thresholds by name, the unit in the name; a plan may override any of them and no other. */
    Map<String, Double> defaults();

    /** One sentence: what it compares, for the API's gate list and the docs. */
    String description();

    RolloutGateResult evaluate(GateContext context, Map<String, Double> thresholds);

    /**
     * Whether this build judges a plan stored with gate version {@code stored}. Only the same version,
     * unless a gate's newer version judges an older plan by the older plan's meaning (its thresholds
     * lack the newer ones, and a measure without its threshold is reported, not judged).
     */
    default boolean judges(String stored) {
        return version().equals(stored);
    }
}
