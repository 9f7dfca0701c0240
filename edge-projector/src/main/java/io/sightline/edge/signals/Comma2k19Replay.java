package io.sightline.edge.signals;

import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.event.AlertSuppressed;
import io.sightline.domain.event.RiskAssessed;
import io.sightline.domain.event.RiskFactor;
import io.sightline.domain.event.SightlineEvent;
import io.sightline.domain.event.VehicleStateSampled;
import io.sightline.domain.risk.Factor;
import io.sightline.edge.actuation.ActuationConfig;
import io.sightline.edge.events.EdgeEventSink;
import io.sightline.edge.pipeline.EdgeProjector;
import io.sightline.edge.pipeline.EstimatorConfig;
import io.sightline.edge.range.CameraModel;
import io.sightline.edge.range.ObjectClass;
import io.sightline.edge.risk.AlertKind;
import io.sightline.edge.risk.RiskPolicy;
import io.sightline.edge.tracking.TrackerConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Replays a comma2k19 segment through the {@link EdgeProjector}: CAN speed as VehicleStateSampled,
 * each radar row as a measured object (range, range rate, lateral). Radar points carry no class;
 * they are treated as cars, the class an automotive radar's moving targets mostly are.
 */
public final class Comma2k19Replay {

    /**
     * comma2k19's EON road camera (1164×874, focal length 910 px); the height is an assumption.
     * Only needed to build the projector: the radar path does not use the camera.
     */
    public static final CameraModel EON_CAMERA_ASSUMED = new CameraModel(910, 910, 582, 437, 1164, 874, 1.22, 0);

    /**
     * @param alertsRaised alerts of each kind
     * @param minInPathFcwTtcS smallest FCW TTC over assessments whose object was in the ego path
     * @param minInPathTimeGapS smallest time gap over in-path headway assessments
     */
    public record Result(int speedSamples, int radarRows, int rejectedInputs, int assessments,
                         Map<AlertKind, Integer> alertsRaised, List<AlertRaised> alerts, int suppressions,
                         double minInPathFcwTtcS, double minInPathTimeGapS, double minEgoSpeedMps,
                         double maxEgoSpeedMps) {

        public int alerts(AlertKind kind) {
            return alertsRaised.getOrDefault(kind, 0);
        }
    }

    private Comma2k19Replay() {
    }

    public static Result replay(Comma2k19Log log, RiskPolicy policy) {
        return replay(log, policy, (id, t, e) -> { });
    }

    public static Result replay(Comma2k19Log log, RiskPolicy policy, EdgeEventSink observer) {
        Collector c = new Collector(observer);
        EdgeProjector projector = new EdgeProjector("comma2k19", EON_CAMERA_ASSUMED, 20, TrackerConfig.defaults(),
                EstimatorConfig.defaults(), policy, ActuationConfig.defaults(), c);
        double t0 = Math.min(log.speedTimeS()[0], log.radarTimeS()[0]);
        int s = 0;
        double minSpeed = Double.POSITIVE_INFINITY;
        double maxSpeed = Double.NEGATIVE_INFINITY;
        Npy.Array radar = log.radar();
        for (int r = 0; r <= radar.rows(); r++) {
            double tr = r < radar.rows() ? log.radarTimeS()[r] : Double.POSITIVE_INFINITY;
            while (s < log.speedMps().length && log.speedTimeS()[s] <= tr) {
                double v = log.speedMps()[s];
                String reason = projector.onVehicleState("can/speed/" + s,
                        new VehicleStateSampled(nanos(log.speedTimeS()[s] - t0), v, null, null, null, null, "comma2k19"));
                if (reason == null) {
                    minSpeed = Math.min(minSpeed, v);
                    maxSpeed = Math.max(maxSpeed, v);
                }
                s++;
            }
            if (r == radar.rows()) {
                break;
            }
            int address = (int) radar.get(r, Comma2k19Log.COL_ADDRESS);
            projector.onMeasuredObject("radar-" + address, "can/radar/" + r, nanos(tr - t0), ObjectClass.CAR,
                    radar.get(r, Comma2k19Log.COL_DISTANCE_M), radar.get(r, Comma2k19Log.COL_RELATIVE_SPEED_MPS),
                    -radar.get(r, Comma2k19Log.COL_LATERAL_LEFT_M), radar.get(r, Comma2k19Log.COL_NEW_TRACK) != 0);
        }
        return new Result(log.speedMps().length, radar.rows(), c.rejected, c.assessments, c.byKind, c.alerts,
                c.suppressions, c.minFcwTtcS, c.minGapS, minSpeed, maxSpeed);
    }

    private static long nanos(double s) {
        return Math.round(s * 1e9);
    }

    private static final class Collector implements EdgeEventSink {
        final EdgeEventSink observer;
        final Map<AlertKind, Integer> byKind = new java.util.LinkedHashMap<>();
        final List<AlertRaised> alerts = new ArrayList<>();
        int rejected;
        int assessments;
        int suppressions;
        double minFcwTtcS = Double.POSITIVE_INFINITY;
        double minGapS = Double.POSITIVE_INFINITY;

        Collector(EdgeEventSink observer) {
            this.observer = observer;
        }

        @Override
        public void emit(String eventId, long occurredAtNanos, SightlineEvent event) {
            observer.emit(eventId, occurredAtNanos, event);
            if (event instanceof RiskAssessed ra) {
                assessments++;
                if (ra.ruleName().equals(AlertKind.FORWARD_COLLISION.name())
                        && holds(ra, Factor.FCW_LATERAL_OFFSET)) {
                    minFcwTtcS = Math.min(minFcwTtcS, value(ra, Factor.FCW_TTC));
                } else if (ra.ruleName().equals(AlertKind.FOLLOWING_DISTANCE.name())
                        && holds(ra, Factor.HEADWAY_LATERAL_OFFSET)) {
                    minGapS = Math.min(minGapS, value(ra, Factor.HEADWAY_TIME_GAP));
                }
            } else if (event instanceof AlertRaised a) {
                alerts.add(a);
                byKind.merge(io.sightline.edge.app.SafetyApplications.shippedKind(a.kind()), 1, Integer::sum);
            } else if (event instanceof AlertSuppressed) {
                suppressions++;
            }
        }

        @Override
        public void inputRejected(String inputId, long atNanos, String reason) {
            observer.inputRejected(inputId, atNanos, reason);
            rejected++;
        }

        private static boolean holds(RiskAssessed ra, Factor factor) {
            for (RiskFactor f : ra.factors()) {
                if (f.name().equals(factor.key())) {
                    return f.triggered();
                }
            }
            return false;
        }

        private static double value(RiskAssessed ra, Factor factor) {
            for (RiskFactor f : ra.factors()) {
                if (f.name().equals(factor.key())) {
                    return f.value();
                }
            }
            return Double.NaN;
        }
    }
}
