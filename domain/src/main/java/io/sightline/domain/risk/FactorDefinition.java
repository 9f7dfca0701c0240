package io.sightline.domain.risk;

import java.util.List;
import java.util.regex.Pattern;

/**
 * A factor declared by a safety application rather than built into {@link Factor}. Checked when
 * it is made: the key is {@code prefix.name}, the threshold keys carry the factor's unit as their
 * suffix (see {@link FactorUnit#matchesKey}), so a policy cannot compare seconds with metres.
 */
public record FactorDefinition(String ruleName, String key, String humanName, FactorRole role, FactorUnit unit,
                               Comparison comparison, List<String> thresholdKeyNames) implements FactorSpec {

    private static final Pattern KEY = Pattern.compile("[a-z][A-Za-z0-9]*\\.[a-z][A-Za-z0-9]*");
    private static final Pattern RULE = Pattern.compile("[A-Z][A-Z0-9_]*");

    public FactorDefinition {
        if (ruleName == null || !RULE.matcher(ruleName).matches()) {
            throw new IllegalArgumentException("factor " + key + ": rule name must be UPPER_SNAKE_CASE, got '" + ruleName + "'");
        }
        if (key == null || !KEY.matcher(key).matches()) {
            throw new IllegalArgumentException("factor key must look like 'app.quantity', got '" + key + "'");
        }
        if (humanName == null || humanName.isBlank() || role == null || unit == null || comparison == null) {
            throw new IllegalArgumentException("factor " + key + ": humanName, role, unit and comparison are required");
        }
        if (thresholdKeyNames == null || thresholdKeyNames.isEmpty()) {
            throw new IllegalArgumentException("factor " + key + ": at least one threshold key is required");
        }
        thresholdKeyNames = List.copyOf(thresholdKeyNames);
        for (String t : thresholdKeyNames) {
            if (!unit.matchesKey(t)) {
                throw new IllegalArgumentException("factor " + key + " is in " + unit.symbol() + " but its threshold '" + t
                        + "' is not: a threshold key ends with its unit (" + unit.keySuffix() + ")");
            }
        }
    }
}
