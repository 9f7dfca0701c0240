package io.sightline.edge.risk;

import io.sightline.domain.risk.Factor;
import io.sightline.edge.range.Ttc;

/**
 * Applies the named rules of a {@link RiskPolicy} to one object. Each rule is a conjunction of
 * factors of three roles:
 * <ul>
 *   <li><b>hazard</b> (TTC, time gap and its duration): what the rule is about;</li>
 *   <li><b>path</b> (lateral offset against the ego corridor): an object outside the path is no
 *       hazard to us, so a failing path factor is not a suppression;</li>
 *   <li><b>gates</b> (ego speed, track age, estimate spread): when the hazard holds in the path but
 *       a gate fails, the rule reports {@link SuppressionReason#SPEED_GATE} or
 *       {@link SuppressionReason#LOW_CONFIDENCE} so the withheld alert is recorded.</li>
 * </ul>
 * Factor names, units, comparisons and roles are the entries of the domain catalog
 * {@link Factor}; the thresholds are read from the typed policy. Allocation-free.
 */
public final class RiskEvaluator {

    private final RiskPolicy policy;

    public RiskEvaluator(RiskPolicy policy) {
        this.policy = policy;
    }

    public RiskPolicy policy() {
        return policy;
    }

    /**
     * A closing acceleration is used in the TTC only when it is this many standard deviations
     * from zero. Far away the filter's acceleration is mostly noise, and a noise dip would pull
     * the TTC of a steadily approached object seconds early (a nuisance warning); a real braking
     * onset passes this test within a few tenths of a second. 1.5 until sightline-risk-1.2.0: a
     * gentle (2 m/s²) braking 40 m ahead then passed it 0.5–0.9 s after onset, and 40 of 10,000
     * Euro NCAP CCRb 40 m runs warned after the 2.4 s minimum; at 1.4 still 10, at 1.3 and 1.2
     * none. 1.2 keeps a step of margin, and the constant-speed families warn no earlier
     * (docs/evaluation.md, "sightline-risk-1.2.0").
     */
    public static final double ACCEL_SIGNIFICANCE_SIGMA = 1.2;

    /**
     * The relative acceleration the TTC uses, m/s²: the filtered d̈ when it is closing (d̈ < 0: the
     * lead braking) and significant, else 0. An opening acceleration is never used: a lead that
     * speeds up can stop doing so at any moment, and counting on it would delay the warning.
     */
    public static double ttcAccelMps2(ObjectKinematics o) {
        return o.rangeAccelMps2 < -ACCEL_SIGNIFICANCE_SIGMA * o.rangeAccelSigmaMps2 ? o.rangeAccelMps2 : 0;
    }

    /** Time to collision of the object, s, solving d + ḋt + ½·{@link #ttcAccelMps2}·t² = 0. */
    public static double ttcS(ObjectKinematics o) {
        return Ttc.timeToCollisionS(o.rangeM, o.rangeRateMps, ttcAccelMps2(o));
    }

    /** Relative step for the numerical TTC gradient. */
    private static final double GRADIENT_STEP = 1e-4;

    /**
     * One standard deviation of {@link #ttcS}, from the filter covariance by first-order
     * propagation (σ² = gᵀ P g with g the TTC gradient in range, rate and acceleration). 0 when no
     * collision is predicted, since the TTC is then off every threshold.
     */
    public static double ttcSigmaS(ObjectKinematics o) {
        double ttc = ttcS(o);
        if (ttc >= Ttc.NO_COLLISION_S) {
            return 0;
        }
        double hd = GRADIENT_STEP * Math.max(1, o.rangeM);
        double hv = GRADIENT_STEP * Math.max(1, Math.abs(o.rangeRateMps));
        double ha = GRADIENT_STEP * Math.max(1, Math.abs(o.rangeAccelMps2));
        double a = ttcAccelMps2(o);
        double gd = (Ttc.timeToCollisionS(o.rangeM + hd, o.rangeRateMps, a)
                - Ttc.timeToCollisionS(o.rangeM - hd, o.rangeRateMps, a)) / (2 * hd);
        double gv = (Ttc.timeToCollisionS(o.rangeM, o.rangeRateMps + hv, a)
                - Ttc.timeToCollisionS(o.rangeM, o.rangeRateMps - hv, a)) / (2 * hv);
        double ga = a < 0
                ? (Ttc.timeToCollisionS(o.rangeM, o.rangeRateMps, Math.min(0, a + ha))
                - Ttc.timeToCollisionS(o.rangeM, o.rangeRateMps, a - ha)) / (2 * ha) : 0;
        double var = gd * gd * o.rangeSigmaM * o.rangeSigmaM
                + gv * gv * o.rangeRateSigmaMps * o.rangeRateSigmaMps
                + ga * ga * o.rangeAccelSigmaMps2 * o.rangeAccelSigmaMps2
                + 2 * gd * gv * o.covRangeRate + 2 * gd * ga * o.covRangeAccel + 2 * gv * ga * o.covRateAccel;
        return Math.sqrt(Math.max(0, var));
    }

    /**
     * The distance from the ego centre line to the object's near edge, |X| − half width: the value
     * compared with egoHalfWidth + margin by the path factors (negative when it straddles the line).
     */
    static double nearEdgeOffsetM(double lateralM, double halfWidthM) {
        return Math.abs(lateralM) - halfWidthM;
    }

    /** Forward-collision warning for a vehicle ahead. */
    public void forwardCollision(ObjectKinematics o, double egoSpeedMps, RuleEvaluation out) {
        RiskPolicy.ForwardCollision p = policy.forwardCollision();
        out.start(AlertKind.FORWARD_COLLISION);
        double ttc = ttcS(o);
        out.ttcS = ttc;
        out.requiredDecelMps2 = Ttc.requiredDecelMps2(o.rangeM, o.closingSpeedMps());
        boolean hazard = out.factor(Factor.FCW_TTC, ttc, p.ttcRaiseS());
        boolean inPath = out.factor(Factor.FCW_LATERAL_OFFSET, nearEdgeOffsetM(o.lateralM, o.halfWidthM),
                policy.egoHalfWidthM() + p.corridorMarginM());
        boolean speed = out.factor(Factor.FCW_EGO_SPEED, egoSpeedMps, p.minEgoSpeedMps());
        boolean age = out.factor(Factor.FCW_TRACK_AGE, o.trackAgeS, p.minTrackAgeS());
        boolean sigma = out.factor(Factor.FCW_TTC_SIGMA, ttcSigmaS(o), p.maxTtcSigmaS());
        // informational: how hard the driver would have to brake at constant closing speed
        out.factor(Factor.FCW_REQUIRED_DECEL, out.requiredDecelMps2, p.hardBrakingDecelMps2());
        out.conclude(hazard && inPath, speed, age && sigma, ttc <= p.ttcClearS() && inPath);
    }

    /** Following-distance (headway) advisory; keeps its duration timer in {@code o}. */
    public void followingDistance(ObjectKinematics o, double egoSpeedMps, long timeNanos, RuleEvaluation out) {
        RiskPolicy.FollowingDistance p = policy.followingDistance();
        out.start(AlertKind.FOLLOWING_DISTANCE);
        out.ttcS = ttcS(o);
        out.requiredDecelMps2 = Ttc.requiredDecelMps2(o.rangeM, o.closingSpeedMps());
        double gapS = egoSpeedMps > 0 ? Math.min(o.rangeM / egoSpeedMps, Ttc.NO_COLLISION_S) : Ttc.NO_COLLISION_S;
        boolean below = out.factor(Factor.HEADWAY_TIME_GAP, gapS, p.timeGapRaiseS());
        if (!below) {
            o.headwayBelowSinceNanos = Long.MIN_VALUE;
        } else if (o.headwayBelowSinceNanos == Long.MIN_VALUE) {
            o.headwayBelowSinceNanos = timeNanos;
        }
        double durationS = below ? (timeNanos - o.headwayBelowSinceNanos) * 1e-9 : 0;
        boolean longEnough = out.factor(Factor.HEADWAY_DURATION_BELOW, durationS, p.minDurationS());
        boolean inPath = out.factor(Factor.HEADWAY_LATERAL_OFFSET, nearEdgeOffsetM(o.lateralM, o.halfWidthM),
                policy.egoHalfWidthM() + p.corridorMarginM());
        boolean speed = out.factor(Factor.HEADWAY_EGO_SPEED, egoSpeedMps, p.minEgoSpeedMps());
        boolean age = out.factor(Factor.HEADWAY_TRACK_AGE, o.trackAgeS, p.minTrackAgeS());
        out.conclude(below && longEnough && inPath, speed, age, gapS < p.timeGapClearS() && inPath);
    }

    /**
     * Vulnerable road user in the path within the TTC bound. The path test uses where the person
     * will be when the ego arrives, X + Ẋ·min(TTC, lookahead): someone stepping off the kerb is not
     * in the path yet but will be.
     */
    public void vulnerableRoadUser(ObjectKinematics o, double egoSpeedMps, RuleEvaluation out) {
        RiskPolicy.VulnerableRoadUser p = policy.vulnerableRoadUser();
        out.start(AlertKind.VULNERABLE_ROAD_USER);
        double ttc = ttcS(o);
        out.ttcS = ttc;
        out.requiredDecelMps2 = Ttc.requiredDecelMps2(o.rangeM, o.closingSpeedMps());
        boolean hazard = out.factor(Factor.VRU_TTC, ttc, p.ttcRaiseS());
        double predictedLateralM = o.lateralM + o.lateralSpeedMps * Math.min(ttc, p.maxLookaheadS());
        boolean inPath = out.factor(Factor.VRU_PREDICTED_LATERAL_OFFSET, nearEdgeOffsetM(predictedLateralM, o.halfWidthM),
                policy.egoHalfWidthM() + p.corridorMarginM());
        boolean speed = out.factor(Factor.VRU_EGO_SPEED, egoSpeedMps, p.minEgoSpeedMps());
        boolean age = out.factor(Factor.VRU_TRACK_AGE, o.trackAgeS, p.minTrackAgeS());
        out.conclude(hazard && inPath, speed, age, ttc <= p.ttcClearS() && inPath);
    }

}
