package io.sightline.app.videosuite;

import io.sightline.app.clip.LeadMotion;

/**
 * One video-suite case's lead vehicle, exact in closed form: a constant speed until
 * {@code brakeAtS}, then a constant deceleration down to a stop; a lateral position that moves at
 * {@code laneChangeSpeedMps} from {@code initialLateralM} to {@code laneChangeToLateralM} from
 * {@code laneChangeAtS} on. The ego drives at a constant {@code egoSpeedMps}, as the pipeline is
 * told. A script with no braking has {@code brakeAtS} = +∞; one with no lane change has
 * {@code laneChangeAtS} = +∞.
 */
public record LeadScript(double egoSpeedMps, double leadSpeedMps, double initialGapM, double initialLateralM,
                         double brakeAtS, double decelMps2, double laneChangeAtS, double laneChangeToLateralM,
                         double laneChangeSpeedMps, double widthM, double heightM) implements LeadMotion {

    public LeadScript {
        if (!(egoSpeedMps >= 0) || !(leadSpeedMps >= 0) || !(initialGapM > 0) || !(widthM > 0) || !(heightM > 0)
                || !(decelMps2 >= 0) || !(brakeAtS >= 0) || !(laneChangeAtS >= 0) || !(laneChangeSpeedMps > 0)) {
            throw new IllegalArgumentException("impossible lead script: " + this);
        }
    }

    /** The lead's speed at t. */
    public double leadSpeedMps(double tS) {
        if (tS <= brakeAtS || decelMps2 == 0) {
            return leadSpeedMps;
        }
        return Math.max(0, leadSpeedMps - decelMps2 * (tS - brakeAtS));
    }

    /** How far the lead has driven by t. */
    double leadTravelM(double tS) {
        if (tS <= brakeAtS || decelMps2 == 0) {
            return leadSpeedMps * tS;
        }
        double tau = tS - brakeAtS;
        double stopAfter = leadSpeedMps / decelMps2;
        double braking = tau <= stopAfter ? leadSpeedMps * tau - decelMps2 * tau * tau / 2
                : leadSpeedMps * leadSpeedMps / (2 * decelMps2);
        return leadSpeedMps * brakeAtS + braking;
    }

    @Override
    public double gapM(double tS) {
        return initialGapM + leadTravelM(tS) - egoSpeedMps * tS;
    }

    public double closingSpeedMps(double tS) {
        return egoSpeedMps - leadSpeedMps(tS);
    }

    /**
     * True time to collision: how long until the gap closes if the lead keeps to its scripted speed
     * profile (braking included), as the scenario runner's true TTC is the time left to the
     * simulated collision. For constant speeds it is gap over closing speed, as hazard-clip's truth
     * states it. Lateral motion is left out: a lead that changes lanes late would still have been
     * hit, which is what its warning is judged against. +∞ when the gap never closes.
     */
    public double ttcS(double tS) {
        double gap = gapM(tS);
        if (gap <= 0) {
            return 0;
        }
        boolean brakes = decelMps2 > 0 && Double.isFinite(brakeAtS);
        double stopAt = brakes ? brakeAtS + leadSpeedMps / decelMps2 : Double.POSITIVE_INFINITY;
        double[] bounds = brakes ? new double[] {0, brakeAtS, stopAt, Double.POSITIVE_INFINITY} : new double[] {0, Double.POSITIVE_INFINITY};
        for (int k = 0; k + 1 < bounds.length; k++) {
            if (bounds[k + 1] <= tS) {
                continue;
            }
            double start = Math.max(tS, bounds[k]);
            double g = gapM(start);
            double rate = leadSpeedMps(start) - egoSpeedMps;
            double a = brakes && start >= brakeAtS && start < stopAt ? decelMps2 : 0;
            double s;
            if (a == 0) {
                s = rate < 0 ? g / -rate : Double.POSITIVE_INFINITY;
            } else {
                // g + rate·s − a·s²/2 = 0, the positive root
                s = (rate + Math.sqrt(rate * rate + 2 * a * g)) / a;
            }
            if (start + s <= bounds[k + 1]) {
                return start - tS + s;
            }
        }
        return Double.POSITIVE_INFINITY;
    }

    @Override
    public double lateralM(double tS) {
        if (tS <= laneChangeAtS) {
            return initialLateralM;
        }
        double span = laneChangeToLateralM - initialLateralM;
        double moved = Math.min(Math.abs(span), laneChangeSpeedMps * (tS - laneChangeAtS));
        return initialLateralM + Math.signum(span) * moved;
    }

    /** In the ego's path: the lead's near side inside the ego's half width (the scenario spec's rule, as hazard-clip writes it). */
    public boolean inEgoPath(double tS, double egoHalfWidthM) {
        return Math.abs(lateralM(tS)) - widthM / 2 < egoHalfWidthM && gapM(tS) > 0;
    }
}
