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

    ScenarioWorld(ScenarioSpec spec) {
        this.spec = spec;
        this.ego = new Motion(spec.ego().speedMps(), spec.ego().accelMps2(), List.of());
        this.actors = new Motion[spec.actors().size()];
        for (int i = 0; i < actors.length; i++) {
            ScenarioSpec.Actor a = spec.actors().get(i);
            actors[i] = new Motion(a.speedMps(), 0, a.accelProfile());
        }
    }

    double egoSpeedMps(double t) {
        return ego.speed(t);
    }

    /** Longitudinal distance from the camera to actor i's rear face at time t, m. */
    double rangeM(int i, double t) {
        return spec.actors().get(i).rangeM() + actors[i].position(t) - ego.position(t);
    }

    double lateralM(int i, double t) {
        ScenarioSpec.Actor a = spec.actors().get(i);
        return a.lateralM() + a.lateralSpeedMps() * t;
    }

    private boolean colliding(int i, double t) {
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
