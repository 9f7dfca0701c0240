package io.sightline.edge.risk;

/** The alerts the risk policy can ask for; the names are the rule names stored in events. */
public enum AlertKind {
    FORWARD_COLLISION,
    FOLLOWING_DISTANCE,
    VULNERABLE_ROAD_USER
}
