package io.sightline.edge.scenario;

import io.sightline.domain.event.AlertCleared;
import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.event.AlertSuppressed;
import io.sightline.domain.event.RiskAssessed;
import io.sightline.domain.event.SightlineEvent;
import io.sightline.domain.event.TrackStarted;
import io.sightline.domain.event.VehicleStateSampled;
import io.sightline.edge.actuation.ActuationConfig;
import io.sightline.edge.app.SafetyApplications;
import io.sightline.edge.events.EdgeEventSink;
import io.sightline.edge.pipeline.EdgeProjector;
import io.sightline.edge.pipeline.EstimatorConfig;
import io.sightline.edge.pipeline.FrameInput;
import io.sightline.edge.range.CameraModel;
import io.sightline.edge.risk.RiskPolicy;
import io.sightline.edge.tracking.TrackerConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

/**
 * Runs a scenario: simulates it, turns it into detections and vehicle-state samples with the
 * spec's seeded noise, drives the real {@link EdgeProjector} with them, and checks the expectation.
 *
 * <p>Per frame {@code k} (time {@code k / frameRateHz}, from 0 to durationS): every vehicle-state
 * sample due by then is fed first; then each actor's rear face is projected through the camera,
 * clipped, possibly missed, its edges jittered and a score drawn; then the clutter boxes. One
 * {@link Random} seeded with the seed drives all of it in that fixed order, so a seed reproduces
 * a run exactly.
 */
public final class ScenarioRunner {

    /** A face nearer than this (m, along the optical axis) is treated as behind the camera. */
    private static final double NEAR_PLANE_M = 0.1;
    /** An actor whose box is covered by a nearer actor's box by more than this share is not detected (spec). */
    static final double OCCLUSION_MAX_COVERED = 0.5;
    /** Clutter box width range, px (spec). */
    private static final double CLUTTER_MIN_WIDTH_PX = 10;
    private static final double CLUTTER_MAX_WIDTH_PX = 200;
    /** Clutter aspect (height / width) range (spec). */
    private static final double CLUTTER_MIN_ASPECT = 0.5;
    private static final double CLUTTER_MAX_ASPECT = 1.2;
    /** Clutter score range (spec). */
    private static final double CLUTTER_MIN_SCORE = 0.1;
    private static final double CLUTTER_MAX_SCORE = 0.7;

    private final RiskPolicy policy;
    private final ActuationConfig actuation;
    private final EstimatorConfig estimator;
    private final TrackerConfig trackerConfig;
    /** Fresh applications for each run, under the run's risk policy (the spec sets the ego width). */
    private final Function<RiskPolicy, SafetyApplications> applications;

    public ScenarioRunner(RiskPolicy policy, ActuationConfig actuation, EstimatorConfig estimator,
                          TrackerConfig trackerConfig) {
        this(policy, actuation, estimator, trackerConfig, p -> SafetyApplications.standard(p, actuation));
    }

    private ScenarioRunner(RiskPolicy policy, ActuationConfig actuation, EstimatorConfig estimator,
                           TrackerConfig trackerConfig, Function<RiskPolicy, SafetyApplications> applications) {
        this.policy = policy;
        this.actuation = actuation;
        this.estimator = estimator;
        this.trackerConfig = trackerConfig;
        this.applications = applications;
    }

    /** This runner with other safety applications, made fresh for every run from the run's risk policy. */
    public ScenarioRunner withApplications(Function<RiskPolicy, SafetyApplications> applications) {
        return new ScenarioRunner(policy, actuation, estimator, trackerConfig, applications);
    }

    /** The risk policy runs decide with (before the spec's ego width is applied). */
    public RiskPolicy policy() {
        return policy;
    }

    public TrackerConfig trackerConfig() {
        return trackerConfig;
    }

    public static ScenarioRunner withDefaults() {
        return new ScenarioRunner(RiskPolicy.defaults(), ActuationConfig.defaults(), EstimatorConfig.defaults(),
                TrackerConfig.defaults());
    }

    /** Runs seeds {@code spec.noise.seed … + count − 1}. */
    public List<ScenarioResult> run(ScenarioSpec spec, int seedCount) {
        List<ScenarioResult> results = new ArrayList<>(seedCount);
        for (int i = 0; i < seedCount; i++) {
            results.add(run(spec, spec.noise().seed() + i));
        }
        return results;
    }

    /** Collects what the checks need from the event stream. */
    private static final class Recorder implements EdgeEventSink {
        final EdgeEventSink observer;
        final Map<String, ScenarioResult.Alert> alerts = new LinkedHashMap<>();
        final Map<String, Double> raisedAtS = new LinkedHashMap<>();
        int assessments;
        int suppressions;
        int rejected;
        int tracksStarted;
        double collisionAtS = Double.NaN;

        Recorder(EdgeEventSink observer) {
            this.observer = observer;
        }

        @Override
        public void emit(String eventId, long occurredAtNanos, SightlineEvent event) {
            observer.emit(eventId, occurredAtNanos, event);
            if (event instanceof RiskAssessed) {
                assessments++;
            } else if (event instanceof AlertRaised r) {
                double at = r.raisedAtNanos() * 1e-9;
                Double ttc = Double.isNaN(collisionAtS) ? null : collisionAtS - at;
                alerts.put(r.alertId(), new ScenarioResult.Alert(r.kind(), at, ttc, null, r.trackId()));
            } else if (event instanceof AlertCleared c) {
                ScenarioResult.Alert a = alerts.get(c.alertId());
                alerts.put(c.alertId(), new ScenarioResult.Alert(a.kind(), a.atS(), a.ttcTrueS(),
                        c.clearedAtNanos() * 1e-9, a.trackId()));
            } else if (event instanceof AlertSuppressed) {
                suppressions++;
            } else if (event instanceof TrackStarted) {
                tracksStarted++;
            }
        }

        @Override
        public void inputRejected(String inputId, long atNanos, String reason) {
            observer.inputRejected(inputId, atNanos, reason);
            rejected++;
        }
    }

    public ScenarioResult run(ScenarioSpec spec, long seed) {
        return run(spec, seed, (id, t, e) -> { });
    }

    /**
     * The inputs a run feeds the projector, as a camera and a vehicle bus would have delivered
     * them: what {@link ScenarioRecording} turns into a recorded session. For each frame, the
     * vehicle-state samples due by then come first, then the frame, then its detections.
     */
    public interface InputObserver {
        InputObserver NONE = new InputObserver() {
        };

        default void vehicleState(String eventId, VehicleStateSampled sample) {
        }

        default void frame(String frameId, long frameIndex, long captureTimeNanos, int widthPx, int heightPx) {
        }

        default void detection(String detectionId, String frameId, String className, double x1, double y1, double x2, double y2,
                               double score) {
        }
    }

    /** Runs one seed, also handing every event the projector emits to {@code observer}. */
    public ScenarioResult run(ScenarioSpec spec, long seed, EdgeEventSink observer) {
        return run(spec, seed, observer, InputObserver.NONE);
    }

    /** The projector's id prefix of a run: a recorded run's session id. */
    public static String sessionIdOf(ScenarioSpec spec, long seed) {
        return spec.id() + "/s" + seed;
    }

    /** Runs one seed, handing every event the projector emits to {@code observer} and every input to {@code inputs}. */
    public ScenarioResult run(ScenarioSpec spec, long seed, EdgeEventSink observer, InputObserver inputs) {
        return run(spec, seed, sessionIdOf(spec, seed), observer, inputs);
    }

    /** As {@link #run(ScenarioSpec, long, EdgeEventSink, InputObserver)}, with every id under {@code prefix}. */
    public ScenarioResult run(ScenarioSpec spec, long seed, String prefix, EdgeEventSink observer, InputObserver inputs) {
        ScenarioWorld world = new ScenarioWorld(spec);
        Recorder rec = new Recorder(observer);
        rec.collisionAtS = world.collisionTimeS();
        CameraModel cam = spec.camera();
        RiskPolicy runPolicy = policy.withEgoHalfWidthM(spec.ego().halfWidthM());
        EdgeProjector projector = new EdgeProjector(prefix, cam, spec.frameRateHz(), trackerConfig, estimator,
                runPolicy, applications.apply(runPolicy), rec);
        Random rng = new Random(seed);
        ScenarioSpec.Noise noise = spec.noise();
        FrameInput frame = new FrameInput(16);
        double[][] boxes = new double[spec.actors().size()][];
        double[] ranges = new double[spec.actors().size()];

        int frameCount = (int) Math.floor(spec.durationS() * spec.frameRateHz() + 1e-9) + 1;
        double statePeriodS = 1.0 / spec.ego().stateRateHz();
        int stateIndex = 0;
        for (int k = 0; k < frameCount; k++) {
            double t = k / spec.frameRateHz();
            for (double ts = stateIndex * statePeriodS; ts <= t + 1e-12; ts = ++stateIndex * statePeriodS) {
                double speed = Math.max(0, world.egoSpeedMps(ts) + spec.ego().speedNoiseMps() * rng.nextGaussian());
                VehicleStateSampled sample = new VehicleStateSampled(nanos(ts), speed, null, null, null, null, "simulation");
                inputs.vehicleState(prefix + "/vs" + stateIndex, sample);
                projector.onVehicleState(prefix + "/vs" + stateIndex, sample);
            }
            String frameId = "f" + k;
            frame.start(frameId, nanos(t));
            inputs.frame(frameId, k, nanos(t), cam.widthPx(), cam.heightPx());
            int det = 0;
            int actorCount = spec.actors().size();
            for (int i = 0; i < actorCount; i++) {
                ranges[i] = world.rangeM(i, t);
                boxes[i] = project(cam, spec.actors().get(i), world.lateralM(i, t), ranges[i]);
            }
            for (int i = 0; i < actorCount; i++) {
                ScenarioSpec.Actor a = spec.actors().get(i);
                double[] box = boxes[i];
                if (box == null || occluded(i, boxes, ranges)) {
                    continue;
                }
                if (rng.nextDouble() < noise.missProb()) {
                    continue;
                }
                double x1 = clamp(box[0] + noise.bboxSigmaPx() * rng.nextGaussian(), cam.widthPx());
                double y1 = clamp(box[1] + noise.bboxSigmaPx() * rng.nextGaussian(), cam.heightPx());
                double x2 = clamp(box[2] + noise.bboxSigmaPx() * rng.nextGaussian(), cam.widthPx());
                double y2 = clamp(box[3] + noise.bboxSigmaPx() * rng.nextGaussian(), cam.heightPx());
                double score = uniform(rng, noise.scoreMin(), noise.scoreMax());
                inputs.detection(prefix + "/" + frameId + "/d" + det, frameId, a.className(), x1, y1, x2, y2, score);
                frame.add(prefix + "/" + frameId + "/d" + det++, a.className(), x1, y1, x2, y2, score);
            }
            int clutter = poisson(rng, noise.clutterPerFrame());
            for (int c = 0; c < clutter; c++) {
                double w = uniform(rng, CLUTTER_MIN_WIDTH_PX, CLUTTER_MAX_WIDTH_PX);
                double h = w * uniform(rng, CLUTTER_MIN_ASPECT, CLUTTER_MAX_ASPECT);
                double x1 = uniform(rng, 0, Math.max(0, cam.widthPx() - w));
                double y1 = uniform(rng, 0, Math.max(0, cam.heightPx() - h));
                double score = uniform(rng, CLUTTER_MIN_SCORE, CLUTTER_MAX_SCORE);
                inputs.detection(prefix + "/" + frameId + "/d" + det, frameId, "car", x1, y1,
                        Math.min(cam.widthPx(), x1 + w), Math.min(cam.heightPx(), y1 + h), score);
                frame.add(prefix + "/" + frameId + "/d" + det++, "car", x1, y1,
                        Math.min(cam.widthPx(), x1 + w), Math.min(cam.heightPx(), y1 + h), score);
            }
            projector.onFrame(frame);
        }
        return judge(spec, seed, rec, frameCount);
    }

    /**
     * Image box (x1, y1, x2, y2) of the actor's rear face, clipped to the image; null when behind
     * the camera or entirely outside the image.
     */
    static double[] project(CameraModel cam, ScenarioSpec.Actor a, double lateralM, double rangeM) {
        double[] b = projectUnclipped(cam, a, lateralM, rangeM);
        if (b == null || b[2] <= 0 || b[0] >= cam.widthPx() || b[3] <= 0 || b[1] >= cam.heightPx()) {
            return null;
        }
        return new double[] {Math.max(0, b[0]), Math.max(0, b[1]), Math.min(cam.widthPx(), b[2]),
            Math.min(cam.heightPx(), b[3])};
    }

    /**
     * Image box (x1, y1, x2, y2) of the actor's rear face before clipping (it may reach past the
     * image); null when behind the camera.
     */
    static double[] projectUnclipped(CameraModel cam, ScenarioSpec.Actor a, double lateralM, double rangeM) {
        // y points down from the camera: the road is at +mounting height, a sign's bottom edge above it
        double roadY = cam.mountingHeightM() - a.elevationM();
        double topY = roadY - a.heightM();
        if (cam.depthM(roadY, rangeM) < NEAR_PLANE_M || cam.depthM(topY, rangeM) < NEAR_PLANE_M) {
            return null;
        }
        double left = lateralM - a.widthM() / 2;
        double right = lateralM + a.widthM() / 2;
        double u1 = Math.min(cam.columnPx(left, roadY, rangeM), cam.columnPx(left, topY, rangeM));
        double u2 = Math.max(cam.columnPx(right, roadY, rangeM), cam.columnPx(right, topY, rangeM));
        return new double[] {u1, cam.rowPx(topY, rangeM), u2, cam.rowPx(roadY, rangeM)};
    }

    /**
     * True when more than {@link #OCCLUSION_MAX_COVERED} of actor i's image box lies behind the box
     * of a single nearer actor (the largest such share counts): the detector does not see it.
     */
    static boolean occluded(int i, double[][] boxes, double[] ranges) {
        double[] b = boxes[i];
        double area = (b[2] - b[0]) * (b[3] - b[1]);
        if (!(area > 0)) {
            return false;
        }
        for (int j = 0; j < boxes.length; j++) {
            double[] o = boxes[j];
            if (j == i || o == null || !(ranges[j] < ranges[i])) {
                continue;
            }
            double w = Math.min(b[2], o[2]) - Math.max(b[0], o[0]);
            double h = Math.min(b[3], o[3]) - Math.max(b[1], o[1]);
            if (w > 0 && h > 0 && w * h > OCCLUSION_MAX_COVERED * area) {
                return true;
            }
        }
        return false;
    }

    private static double clamp(double v, int max) {
        return Math.max(0, Math.min(max, v));
    }

    private static double uniform(Random rng, double lo, double hi) {
        return lo + (hi - lo) * rng.nextDouble();
    }

    /** Knuth's multiplication method; fine for the small means clutter uses. */
    static int poisson(Random rng, double mean) {
        if (mean <= 0) {
            return 0;
        }
        double limit = Math.exp(-mean);
        int k = 0;
        double p = rng.nextDouble();
        while (p > limit) {
            k++;
            p *= rng.nextDouble();
        }
        return k;
    }

    private static long nanos(double s) {
        return Math.round(s * 1e9);
    }

    private static ScenarioResult judge(ScenarioSpec spec, long seed, Recorder rec, int frames) {
        List<ScenarioResult.Alert> alerts = List.copyOf(rec.alerts.values());
        ScenarioResult.Alert first = alerts.isEmpty() ? null : alerts.get(0);
        Double collision = Double.isNaN(rec.collisionAtS) ? null : rec.collisionAtS;
        boolean passed;
        String reason;
        ScenarioSpec.Expectation e = spec.expect();
        if (e instanceof ScenarioSpec.NoAlert) {
            passed = alerts.isEmpty();
            reason = passed ? "no alert fired, as expected"
                    : alerts.size() + " alert(s) fired, expected none; first " + first.kind() + " at "
                            + fmt(first.atS()) + " s";
        } else if (e instanceof ScenarioSpec.AlertAtTtc x) {
            ScenarioResult.Alert a = firstOf(alerts, x.kind().name());
            if (a == null) {
                passed = false;
                reason = "no " + x.kind() + " alert fired; expected one at true TTC in [" + x.minTtcS() + ", "
                        + x.maxTtcS() + "] s";
            } else if (a.ttcTrueS() == null) {
                passed = false;
                reason = x.kind() + " fired at " + fmt(a.atS()) + " s but the scenario has no collision, so no true TTC";
            } else {
                double ttc = a.ttcTrueS();
                passed = ttc >= x.minTtcS() && ttc <= x.maxTtcS();
                reason = "first " + x.kind() + " at " + fmt(a.atS()) + " s, true TTC " + fmt(ttc) + " s "
                        + (passed ? "within" : "OUTSIDE") + " [" + x.minTtcS() + ", " + x.maxTtcS() + "] s";
            }
        } else {
            ScenarioSpec.AlertWithin x = (ScenarioSpec.AlertWithin) e;
            ScenarioResult.Alert hit = null;
            for (ScenarioResult.Alert a : alerts) {
                double end = a.clearedAtS() == null ? Double.POSITIVE_INFINITY : a.clearedAtS();
                if (a.kind().equals(x.kind().name()) && a.atS() <= x.toS() && end >= x.fromS()) {
                    hit = a;
                    break;
                }
            }
            passed = hit != null;
            reason = passed ? x.kind() + " on from " + fmt(hit.atS()) + " s, within [" + x.fromS() + ", " + x.toS() + "] s"
                    : "no " + x.kind() + " alert on at any time in [" + x.fromS() + ", " + x.toS() + "] s";
        }
        return new ScenarioResult(spec.id(), seed, passed, first, collision, alerts, reason,
                new ScenarioResult.Counts(frames, rec.assessments, rec.suppressions, rec.rejected, rec.tracksStarted));
    }

    private static ScenarioResult.Alert firstOf(List<ScenarioResult.Alert> alerts, String kind) {
        for (ScenarioResult.Alert a : alerts) {
            if (a.kind().equals(kind)) {
                return a;
            }
        }
        return null;
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }
}
