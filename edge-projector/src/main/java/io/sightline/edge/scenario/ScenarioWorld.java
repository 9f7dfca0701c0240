package io.sightline.edge.scenario;

import java.util.List;

/**
 * Ground truth of a scenario: where each actor is relative to the ego at any time, and when the
 * collision happens. Open loop: the ego never reacts.
 */
final class ScenarioWorld {

    /** Collision search step, s; the crossing is then refined by bisection to {@link #COLLISION_TOLERANCE_S}. */
    private static final double COLLISION_SCAN_STEP_S = 1e-3;
    private static final double COLLISION_TOLERANCE_S = 1e-7;
    /**
     * The collision search runs this far past the end of the run, so that a warning near the end
     * of a run still has a true TTC.
     */
    static final double COLLISION_SEARCH_BEYOND_RUN_S = 10.0;

    private final ScenarioSpec spec;
    private final Motion ego;
    private final Motion[] actors;
    /** +1 for an actor driving the ego's way, −1 for an oncoming one. */
    private final double[] direction;
    /** Per actor: lateral-speed segment start times, speeds and start positions (piecewise linear). */
    private final double[][] latStartS;
    private final double[][] latSpeed;
    private final double[][] latStartPos;

    ScenarioWorld(ScenarioSpec spec) {
        this.spec = spec;
        this.ego = new Motion(spec.ego().speedMps(), spec.ego().accelMps2(), spec.ego().accelProfile());
        int n = spec.actors().size();
        this.actors = new Motion[n];
        this.direction = new double[n];
        this.latStartS = new double[n][];
        this.latSpeed = new double[n][];
        this.latStartPos = new double[n][];
        for (int i = 0; i < n; i++) {
            ScenarioSpec.Actor a = spec.actors().get(i);
            actors[i] = new Motion(a.speedMps(), 0, a.accelProfile());
            direction[i] = a.oncoming() ? -1 : 1;
            int m = a.lateralProfile().size() + 1;
            latStartS[i] = new double[m];
            latSpeed[i] = new double[m];
            latStartPos[i] = new double[m];
            latSpeed[i][0] = a.lateralSpeedMps();
            latStartPos[i][0] = a.lateralM();
            for (int k = 1; k < m; k++) {
                ScenarioSpec.LateralStep step = a.lateralProfile().get(k - 1);
                latStartS[i][k] = step.atS();
                latSpeed[i][k] = step.lateralSpeedMps();
                latStartPos[i][k] = latStartPos[i][k - 1] + latSpeed[i][k - 1] * (step.atS() - latStartS[i][k - 1]);
            }
        }
    }

    double egoSpeedMps(double t) {
        return ego.speed(t);
    }

    /**
     * Longitudinal distance from the camera to actor i's face toward the ego at time t, m (the rear
     * face; an oncoming actor's front face, and its own travel then closes the range).
     */
    double rangeM(int i, double t) {
        return spec.actors().get(i).rangeM() + direction[i] * actors[i].position(t) - ego.position(t);
    }

    /** Lateral position of actor i's centre at time t, m: piecewise linear under its lateral-speed profile. */
    double lateralM(int i, double t) {
        double[] starts = latStartS[i];
        int k = starts.length - 1;
        while (k > 0 && starts[k] > t) {
            k--;
        }
        return latStartPos[i][k] + latSpeed[i][k] * (t - starts[k]);
    }

    boolean colliding(int i, double t) {
        ScenarioSpec.Actor a = spec.actors().get(i);
        return rangeM(i, t) <= 0 && Math.abs(lateralM(i, t)) < spec.ego().halfWidthM() + a.widthM() / 2;
    }

    /** First time any actor collides (spec: rear face at or behind Z = 0 while overlapping the path), or NaN. */
    double collisionTimeS() {
        double horizon = spec.durationS() + COLLISION_SEARCH_BEYOND_RUN_S;
        double best = Double.NaN;
        for (int i = 0; i < actors.length; i++) {
            if (colliding(i, 0)) {
                return 0;
            }
            for (double t = COLLISION_SCAN_STEP_S; t <= horizon + 1e-12; t += COLLISION_SCAN_STEP_S) {
                if (colliding(i, t)) {
                    double lo = t - COLLISION_SCAN_STEP_S;
                    double hi = t;
                    while (hi - lo > COLLISION_TOLERANCE_S) {
                        double mid = 0.5 * (lo + hi);
                        if (colliding(i, mid)) {
                            hi = mid;
                        } else {
                            lo = mid;
                        }
                    }
                    if (Double.isNaN(best) || hi < best) {
                        best = hi;
                    }
                    break;
                }
            }
        }
        return best;
    }
}
