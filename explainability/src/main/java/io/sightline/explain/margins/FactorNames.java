package io.sightline.explain.margins;

import java.util.Map;

/**
 * What the recorded factor names mean, for prose and for deciding which factors decide. Names
 * follow the edge policy ({@code fcw.ttc}, {@code headway.timeGap}, ...): the part after the rule
 * prefix says what was measured.
 */
public final class FactorNames {

    private static final Map<String, String> LABELS = Map.ofEntries(
            Map.entry("ttc", "TTC"),
            Map.entry("ttcWarn", "TTC"),
            Map.entry("egoSpeed", "ego speed"),
            Map.entry("lateralOffset", "lateral offset"),
            Map.entry("predictedLateralOffset", "predicted lateral offset"),
            Map.entry("trackAge", "track age"),
            Map.entry("closingSpeedSigma", "closing-speed spread"),
            Map.entry("requiredDecel", "required deceleration"),
            Map.entry("timeGap", "time gap"),
            Map.entry("durationBelow", "time below the gap threshold"));

    private FactorNames() {
    }

    /** The measured quantity: {@code fcw.ttc} → {@code ttc}. */
    public static String quantity(String factorName) {
        int dot = factorName.lastIndexOf('.');
        return dot < 0 ? factorName : factorName.substring(dot + 1);
    }

    public static String label(String factorName) {
        return LABELS.getOrDefault(quantity(factorName), factorName);
    }

    /**
     * Informational factors are recorded for the explanation but take no part in the decision: the
     * edge policy's required deceleration (it treats the {@code requiredDecel} suffix the same way).
     */
    public static boolean informational(String factorName) {
        return factorName.endsWith("requiredDecel");
    }

    /** Factors whose value is a time to collision, for which kinematic bounds can be solved. */
    public static boolean isTtc(String factorName) {
        String q = quantity(factorName);
        return q.equals("ttc") || q.equals("ttcWarn");
    }

    /** Gates (speed, confidence) rather than the hazard itself, for the narrative's wording. */
    public static boolean isGate(String factorName) {
        String q = quantity(factorName);
        return q.equals("egoSpeed") || q.equals("trackAge") || q.equals("closingSpeedSigma");
    }
}
