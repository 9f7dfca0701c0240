package io.sightline.edge.scenario;

import java.util.List;

/**
 * Exact 1-D motion under piecewise-constant acceleration, with speed floored at zero: a braking
 * body stops and stays stopped until a later positive acceleration. Positions are integrated in
 * closed form, so the simulated collision time has no step error.
 */
final class Motion {

    private final double[] startS;
    private final double[] accel;
    private final double[] startPos;
    private final double[] startSpeed;

    /** @param steps acceleration changes in time order; the acceleration before the first is {@code initialAccel} */
    Motion(double speed0, double initialAccel, List<ScenarioSpec.AccelStep> steps) {
        int n = steps.size() + 1;
        startS = new double[n];
        accel = new double[n];
        startPos = new double[n];
        startSpeed = new double[n];
        startS[0] = 0;
        accel[0] = initialAccel;
        startSpeed[0] = speed0;
        for (int i = 1; i < n; i++) {
            ScenarioSpec.AccelStep s = steps.get(i - 1);
            double dt = s.atS() - startS[i - 1];
            startS[i] = s.atS();
            accel[i] = s.accelMps2();
            startPos[i] = startPos[i - 1] + distance(startSpeed[i - 1], accel[i - 1], dt);
            startSpeed[i] = speedAfter(startSpeed[i - 1], accel[i - 1], dt);
        }
    }

    private static double speedAfter(double v, double a, double dt) {
        return Math.max(0, v + a * dt);
    }

    private static double distance(double v, double a, double dt) {
        if (a < 0 && v + a * dt < 0) {
            // stops after v/|a| and stays
            return v * v / (-2 * a);
        }
        if (v == 0 && a <= 0) {
            return 0;
        }
        return v * dt + 0.5 * a * dt * dt;
    }

    private int segment(double t) {
        int i = startS.length - 1;
        while (i > 0 && startS[i] > t) {
            i--;
        }
        return i;
    }

    double position(double t) {
        int i = segment(t);
        return startPos[i] + distance(startSpeed[i], accel[i], t - startS[i]);
    }

    double speed(double t) {
        int i = segment(t);
        return speedAfter(startSpeed[i], accel[i], t - startS[i]);
    }
}
