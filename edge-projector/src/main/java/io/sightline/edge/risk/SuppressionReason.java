package io.sightline.edge.risk;

/** Why an alert a rule asked for was withheld; stored verbatim in {@code AlertSuppressed.reason}. */
public enum SuppressionReason {
    /** The same kind of alert ended less than the cooldown ago. */
    COOLDOWN,
    /** The per-hour cap of this kind of alert is used up. */
    RATE_CAP,
    /** The hazard condition held but the ego is slower than the rule's speed gate. */
    SPEED_GATE,
    /** The hazard condition held but the track is too young or its estimate too uncertain. */
    LOW_CONFIDENCE,
    /** An alert of this kind is already on for another object. */
    ALREADY_ACTIVE,
    /** The fleet-wide cap on in-cab alerts of all kinds together is used up. */
    IN_CAB_CAP
}
