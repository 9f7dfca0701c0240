package io.sightline.edge.scenario;

import io.sightline.edge.range.CameraModel;
import io.sightline.edge.risk.AlertKind;
import java.util.List;

/**
 * One safety scenario, as specified in the project's {@code scenarios/README.md}. Built only by
 * {@link ScenarioSpecParser}, which validates every field; the records hold validated values.
 */
public record ScenarioSpec(String id, String description, double durationS, double frameRateHz, CameraModel camera,
                           Ego ego, List<Actor> actors, Noise noise, Expectation expect) {

    /**
     * Ego motion and its reported state.
     *
     * @param accelProfile acceleration changes after {@code accelMps2}, in time order (empty:
     *     constant acceleration); speed never goes below 0, so a stop then a start is two steps
     */
    public record Ego(double speedMps, double accelMps2, double stateRateHz, double speedNoiseMps, double halfWidthM,
                      List<AccelStep> accelProfile) {

        /** Constant acceleration (the spec before ego profiles). */
        public Ego(double speedMps, double accelMps2, double stateRateHz, double speedNoiseMps, double halfWidthM) {
            this(speedMps, accelMps2, stateRateHz, speedNoiseMps, halfWidthM, List.of());
        }
    }

    /** One acceleration change: {@code accelMps2} holds from {@code atS} until the next step. */
    public record AccelStep(double atS, double accelMps2) {
    }

    /** One lateral-speed change: {@code lateralSpeedMps} holds from {@code atS} until the next step. */
    public record LateralStep(double atS, double lateralSpeedMps) {
    }

    /**
     * One road user: a box whose rear face is {@code rangeM} ahead, centred {@code lateralM} right.
     *
     * @param className COCO class name as the detector reports it
     * @param lateralSpeedMps lateral speed from t = 0 until the first {@code lateralProfile} step
     * @param lateralProfile lateral-speed changes in time order (empty: constant lateral speed)
     * @param oncoming true when the actor drives toward the ego: its speed then closes the range
     * @param elevationM height of the face's bottom edge above the road (a sign on its post); 0 for road users
     */
    public record Actor(String id, String className, double widthM, double heightM, double rangeM, double lateralM,
                        double speedMps, double lateralSpeedMps, List<AccelStep> accelProfile,
                        List<LateralStep> lateralProfile, boolean oncoming, double elevationM) {

        /** An actor standing on the road (the spec before elevated actors). */
        public Actor(String id, String className, double widthM, double heightM, double rangeM, double lateralM,
                     double speedMps, double lateralSpeedMps, List<AccelStep> accelProfile,
                     List<LateralStep> lateralProfile, boolean oncoming) {
            this(id, className, widthM, heightM, rangeM, lateralM, speedMps, lateralSpeedMps, accelProfile, lateralProfile,
                    oncoming, 0);
        }

        /** An actor with constant lateral speed, driving the ego's way (the spec before lateral profiles). */
        public Actor(String id, String className, double widthM, double heightM, double rangeM, double lateralM,
                     double speedMps, double lateralSpeedMps, List<AccelStep> accelProfile) {
            this(id, className, widthM, heightM, rangeM, lateralM, speedMps, lateralSpeedMps, accelProfile, List.of(), false);
        }
    }

    /** Detector noise model. */
    public record Noise(double bboxSigmaPx, double missProb, double clutterPerFrame, double scoreMin, double scoreMax,
                        long seed) {
    }

    /** What must happen. */
    public sealed interface Expectation permits AlertAtTtc, AlertWithin, NoAlert {
    }

    /** The first alert of {@code kind} fires while the true TTC is in [minTtcS, maxTtcS]. */
    public record AlertAtTtc(AlertKind kind, double minTtcS, double maxTtcS) implements Expectation {
    }

    /** An alert of {@code kind} fires, or is already on, at some time in [fromS, toS]. */
    public record AlertWithin(AlertKind kind, double fromS, double toS) implements Expectation {
    }

    /** No alert of any kind fires during the run. */
    public record NoAlert() implements Expectation {
    }
}
