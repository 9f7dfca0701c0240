package io.sightline.explain.margins;

import static io.sightline.explain.Fmt.num;
import static io.sightline.explain.Fmt.sign;

import io.sightline.domain.event.RiskAssessed;
import io.sightline.domain.event.RiskFactor;
import io.sightline.explain.Fmt;
import java.util.ArrayList;
import java.util.List;

/**
 * Counterfactual margins of a recorded decision: for each factor, how far it was from flipping in
 * its own unit and what would have had to differ for the opposite decision; for a TTC factor also
 * the closing speed, range and relative acceleration at which the TTC crosses its threshold,
 * solved exactly from the range model in {@link TtcKinematics}.
 *
 * <p>A rule requests an alert when all its decisive factors hold, so for an alert each decisive
 * factor alone flips the decision; for no alert, a failing factor flips it only if it is the only
 * one failing.
 */
public final class Counterfactuals {

    private Counterfactuals() {
    }

    public static Counterfactual of(RiskAssessed r) {
        boolean alerted = !"NONE".equals(r.level());
        long failing = r.factors().stream().filter(f -> !FactorNames.informational(f.name()) && !f.triggered()).count();
        List<FactorMargin> margins = new ArrayList<>();
        List<KinematicBound> kinematics = new ArrayList<>();
        for (RiskFactor f : r.factors()) {
            margins.add(margin(f, alerted, failing));
            if (FactorNames.isTtc(f.name())) {
                kinematics.addAll(bounds(r, f, alerted));
            }
        }
        double ttc = TtcKinematics.ttcS(r.rangeM(), r.closingSpeedMps(), r.relativeAccelMps2());
        boolean matches = Math.abs(ttc - r.ttcS()) <= 0.01 * Math.max(Math.abs(r.ttcS()), 1e-9);
        return new Counterfactual(r.assessmentId(), r.ruleName(), r.policyVersion(), alerted, List.copyOf(margins),
                List.copyOf(kinematics), ttc, matches);
    }

    static FactorMargin margin(RiskFactor f, boolean alerted, long failingDecisive) {
        String label = FactorNames.label(f.name());
        boolean decisive = !FactorNames.informational(f.name());
        double margin = Fmt.margin(f.value(), f.comparison(), f.threshold());
        String unit = f.unit();
        String statement;
        boolean flips;
        if (!decisive) {
            flips = false;
            statement = label + " " + num(f.value()) + " " + unit + " (reference " + num(f.threshold()) + " " + unit
                    + ") is informational and does not decide";
        } else if (alerted) {
            flips = f.triggered();
            statement = f.triggered()
                    ? "no alert if " + label + " had been " + sign(Fmt.negate(f.comparison())) + " " + num(f.threshold()) + " " + unit
                            + ": it was " + num(f.value()) + " " + unit + ", " + num(Math.abs(margin)) + " " + unit + " from flipping"
                    : label + " " + num(f.value()) + " " + unit + " did not hold yet the alert was requested";
        } else if (!f.triggered()) {
            flips = failingDecisive == 1;
            statement = (flips ? "an alert if " : "an alert needed, among others, ") + label + " " + sign(f.comparison()) + " "
                    + num(f.threshold()) + " " + unit + ": it was " + num(f.value()) + " " + unit + ", " + num(Math.abs(margin))
                    + " " + unit + " short";
        } else {
            flips = false;
            statement = label + " " + num(f.value()) + " " + unit + " " + sign(f.comparison()) + " " + num(f.threshold()) + " " + unit
                    + " held (" + num(margin) + " " + unit + " inside)";
        }
        return new FactorMargin(f.name(), label, unit, f.value(), f.comparison(), f.threshold(), margin, f.triggered(), decisive,
                flips, statement);
    }

    /** Bounds on the kinematics for the TTC factor to flip; phrased towards the opposite decision. */
    static List<KinematicBound> bounds(RiskAssessed r, RiskFactor ttc, boolean alerted) {
        double t = ttc.threshold();
        String flipTo = alerted ? "no alert" : "the TTC factor would have held";
        // TTC ≤ T exactly when v ≥ v*, d ≤ d*, a ≤ a*; a strict "<" moves only the boundary case.
        boolean strict = ttc.comparison().equals("<");
        double vStar = TtcKinematics.closingSpeedBoundaryMps(r.rangeM(), r.relativeAccelMps2(), t);
        double dStar = TtcKinematics.rangeBoundaryM(r.closingSpeedMps(), r.relativeAccelMps2(), t);
        double aStar = TtcKinematics.relativeAccelBoundaryMps2(r.rangeM(), r.closingSpeedMps(), t);
        String vCmp = alerted ? (strict ? "<=" : "<") : (strict ? ">" : ">=");
        String dCmp = alerted ? (strict ? ">=" : ">") : (strict ? "<" : "<=");
        String aCmp = dCmp;
        return List.of(
                new KinematicBound("closingSpeedMps", "m/s", r.closingSpeedMps(), vStar, vCmp, vStar - r.closingSpeedMps(),
                        flipTo + " if closing speed had been " + word(vCmp) + " " + num(vStar) + " m/s (recorded "
                                + num(r.closingSpeedMps()) + " m/s, range " + num(r.rangeM()) + " m, relative acceleration "
                                + num(r.relativeAccelMps2()) + " m/s², TTC threshold " + num(t) + " s)"),
                new KinematicBound("rangeM", "m", r.rangeM(), dStar, dCmp, dStar - r.rangeM(),
                        flipTo + " if range had been " + word(dCmp) + " " + num(dStar) + " m (recorded " + num(r.rangeM()) + " m)"),
                new KinematicBound("relativeAccelMps2", "m/s²", r.relativeAccelMps2(), aStar, aCmp, aStar - r.relativeAccelMps2(),
                        flipTo + " if relative acceleration had been " + word(aCmp) + " " + num(aStar) + " m/s² (recorded "
                                + num(r.relativeAccelMps2()) + " m/s²)"));
    }

    private static String word(String comparison) {
        return switch (comparison) {
            case "<" -> "below";
            case "<=" -> "at most";
            case ">" -> "above";
            case ">=" -> "at least";
            default -> comparison;
        };
    }
}
