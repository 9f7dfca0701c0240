package io.sightline.edge.risk;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An alert a safety application can ask for: its name (recorded as {@code RiskAssessed.ruleName}
 * and {@code AlertRaised.kind}, so it never changes) and the level it raises. Open rather than an
 * enum, so that an application adds its kinds without a core change (ADR-0029); the built-in
 * applications' kinds are the constants.
 */
public final class AlertKind {

    private static final Pattern NAME = Pattern.compile("[A-Z][A-Z0-9_]*");

    public static final AlertKind FORWARD_COLLISION = new AlertKind("FORWARD_COLLISION", "WARNING");
    public static final AlertKind FOLLOWING_DISTANCE = new AlertKind("FOLLOWING_DISTANCE", "ADVISORY");
    public static final AlertKind VULNERABLE_ROAD_USER = new AlertKind("VULNERABLE_ROAD_USER", "WARNING");

    private final String name;
    private final String level;

    /**
     * @param name UPPER_SNAKE_CASE
     * @param level {@code WARNING} or {@code ADVISORY}
     */
    public AlertKind(String name, String level) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("alert kind must be UPPER_SNAKE_CASE, got '" + name + "'");
        }
        if (!"WARNING".equals(level) && !"ADVISORY".equals(level)) {
            throw new IllegalArgumentException("alert kind " + name + ": level must be WARNING or ADVISORY, got '" + level + "'");
        }
        this.name = name;
        this.level = level;
    }

    /** The recorded name. */
    public String name() {
        return name;
    }

    /** {@code WARNING} or {@code ADVISORY}. */
    public String level() {
        return level;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AlertKind k && k.name.equals(name) && k.level.equals(level);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, level);
    }

    @Override
    public String toString() {
        return name;
    }
}
