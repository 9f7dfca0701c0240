package io.sightline.explain.margins;

import io.sightline.domain.risk.FactorCatalog;
import io.sightline.domain.risk.FactorRole;
import io.sightline.domain.risk.FactorSpec;
import java.util.Optional;

/**
 * What the recorded factor names mean, for prose and for deciding which factors decide: a view on
 * the domain's {@link FactorCatalog} (the built-in factors and every installed safety application's). A name the catalog does not know is shown as recorded and
 * treated as a decisive hazard, since nothing says it is not.
 */
public final class FactorNames {

    private FactorNames() {
    }

    public static Optional<FactorSpec> factor(String factorName) {
        return FactorCatalog.byKey(factorName);
    }

    /** The human name, e.g. "TTC spread" for {@code fcw.ttcSigma}; the recorded name when unknown. */
    public static String label(String factorName) {
        return factor(factorName).map(FactorSpec::humanName).orElse(factorName);
    }

    /** Recorded for the explanation but no part of the decision (the required deceleration). */
    public static boolean informational(String factorName) {
        return role(factorName) == FactorRole.INFORMATIONAL;
    }

    /** Factors whose value is a time to collision, for which kinematic bounds can be solved. */
    public static boolean isTtc(String factorName) {
        return factor(factorName).map(FactorSpec::isTimeToCollision).orElse(false);
    }

    /** Gates (speed, confidence) rather than the hazard itself, for the narrative's wording. */
    public static boolean isGate(String factorName) {
        return role(factorName) == FactorRole.GATE;
    }

    /** Whether the object is in the ego path, rather than the hazard itself. */
    public static boolean isPath(String factorName) {
        return role(factorName) == FactorRole.PATH;
    }

    private static FactorRole role(String factorName) {
        return factor(factorName).map(FactorSpec::role).orElse(FactorRole.HAZARD);
    }
}
