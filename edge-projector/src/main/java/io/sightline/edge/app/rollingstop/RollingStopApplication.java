package io.sightline.edge.app.rollingstop;

import static io.sightline.edge.app.rollingstop.RollingStopPolicy.APPROACH_DISTANCE_M;
import static io.sightline.edge.app.rollingstop.RollingStopPolicy.FULL_STOP_SPEED_MPS;
import static io.sightline.edge.app.rollingstop.RollingStopPolicy.MAX_LAST_SEEN_RANGE_M;
import static io.sightline.edge.app.rollingstop.RollingStopPolicy.MAX_SIGN_LATERAL_M;
import static io.sightline.edge.app.rollingstop.RollingStopPolicy.MIN_SIGN_LATERAL_M;
import static io.sightline.edge.app.rollingstop.RollingStopPolicy.MIN_TRACK_AGE_S;

import io.sightline.domain.risk.Comparison;
import io.sightline.domain.risk.FactorDefinition;
import io.sightline.domain.risk.FactorRole;
import io.sightline.domain.risk.FactorUnit;
import io.sightline.edge.actuation.ActuationConfig;
import io.sightline.edge.app.Perception;
import io.sightline.edge.app.PerceptionInput;
import io.sightline.edge.app.SafetyApplication;
import io.sightline.edge.app.VerdictSink;
import io.sightline.edge.range.ObjectClass;
import io.sightline.edge.range.Ttc;
import io.sightline.edge.risk.AlertKind;
import io.sightline.edge.risk.ObjectKinematics;
import io.sightline.edge.risk.RuleEvaluation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Rolling stop at a stop sign, built from the shared perception alone: a stop sign confirmed as a
 * track on the ego's side, and the ego's speed. The sign leaves the image several metres before
 * the ego reaches it, so its position along the road is kept as an odometer reading (the ego's
 * travelled distance, integrated from its speed, plus the sign's depth at its last sighting).
 * When the odometer passes it (by {@link #PASSED_SIGMAS} standard deviations of its estimated
 * position), the rule judges the lowest speed from {@code approachDistanceM} before the sign to
 * there: above {@code fullStopSpeedMps} is a rolling stop.
 *
 * <p>The verdict ({@code RiskAssessed} of kind {@code ROLLING_STOP}) names the sign's last track
 * update, the vehicle-state sample at the minimum speed and the one at the sign, so its trace
 * reaches the frames and detections of the sign. Straight-line dead reckoning over the last few
 * metres; a turn before the sign is outside this version.
 *
 * <p>Allocation-free per frame: a ring of (odometer, speed, sample id) and a few sign slots,
 * allocated once.
 */
public final class RollingStopApplication implements SafetyApplication {

    public static final AlertKind ROLLING_STOP = new AlertKind("ROLLING_STOP", "ADVISORY");

    static final String RULE = ROLLING_STOP.name();
    public static final FactorDefinition MIN_SPEED = new FactorDefinition(RULE, "rollingStop.minSpeed",
            "minimum speed before the sign", FactorRole.HAZARD, FactorUnit.METRES_PER_SECOND, Comparison.GREATER,
            List.of(FULL_STOP_SPEED_MPS));
    public static final FactorDefinition SIGN_LATERAL = new FactorDefinition(RULE, "rollingStop.signLateral",
            "sign's offset to the right", FactorRole.PATH, FactorUnit.METRES, Comparison.GREATER_OR_EQUAL,
            List.of(MIN_SIGN_LATERAL_M));
    public static final FactorDefinition SIGN_LATERAL_BOUND = new FactorDefinition(RULE, "rollingStop.signLateralBound",
            "sign's distance from the path", FactorRole.PATH, FactorUnit.METRES, Comparison.LESS_OR_EQUAL,
            List.of(MAX_SIGN_LATERAL_M));
    public static final FactorDefinition SIGN_TRACK_AGE = new FactorDefinition(RULE, "rollingStop.signTrackAge",
            "sign track age", FactorRole.GATE, FactorUnit.SECONDS, Comparison.GREATER_OR_EQUAL, List.of(MIN_TRACK_AGE_S));
    public static final FactorDefinition SIGN_LAST_SEEN_RANGE = new FactorDefinition(RULE, "rollingStop.signLastSeenRange",
            "range at the sign's last sighting", FactorRole.GATE, FactorUnit.METRES, Comparison.LESS_OR_EQUAL,
            List.of(MAX_LAST_SEEN_RANGE_M));
    public static final FactorDefinition APPROACH_OBSERVED = new FactorDefinition(RULE, "rollingStop.approachObserved",
            "approach with a known speed", FactorRole.GATE, FactorUnit.METRES, Comparison.GREATER_OR_EQUAL,
            List.of(APPROACH_DISTANCE_M));

    /** Every factor the rule emits, in the order it emits them. */
    public static final List<FactorDefinition> FACTORS = List.of(MIN_SPEED, SIGN_LATERAL, SIGN_LATERAL_BOUND, SIGN_TRACK_AGE,
            SIGN_LAST_SEEN_RANGE, APPROACH_OBSERVED);

    /** In-cab timing: a coaching advisory on the HUD, after the fact, so no urgency and no chime. */
    public static final ActuationConfig.PerKind DEFAULT_TIMING =
            new ActuationConfig.PerKind(2.0, 0.0, 5.0, 30, List.of("HUD"), "ROLLING_STOP_ADVISORY");

    /** Speed samples kept: 4096 frames is over two minutes at 30 Hz, longer than any stop. */
    static final int RING = 4096;
    /** Signs pending at once; an intersection shows at most a few. */
    static final int SIGNS = 8;
    /**
     * The sign counts as passed this many standard deviations of its position beyond its estimate.
     * Its depth comes from its width, whose prior spreads ±20 % (600 to 900 mm signs), so a stop
     * a metre short of a large sign can lie past its estimated position; judging at the estimate
     * would miss the stop and call it rolling. Two sigmas past it, the stop is inside the window.
     */
    static final double PASSED_SIGMAS = 2.0;

    private final RollingStopPolicy policy;
    private final ActuationConfig.PerKind timing;

    private double odometerM;
    private long odometerTimeNanos = Long.MIN_VALUE;
    private double lastSpeedMps;

    private final double[] ringOdometerM = new double[RING];
    private final double[] ringSpeedMps = new double[RING];
    private final String[] ringSampleId = new String[RING];
    private int ringHead;
    private int ringCount;
    private long ringTimeNanos = Long.MIN_VALUE;

    private final String[] signKey = new String[SIGNS];
    private final double[] signOdometerM = new double[SIGNS];
    private final double[] signSigmaM = new double[SIGNS];
    private final double[] signLateralM = new double[SIGNS];
    private final double[] signRangeM = new double[SIGNS];
    private final double[] signTrackAgeS = new double[SIGNS];
    private final long[] signSeenNanos = new long[SIGNS];
    @SuppressWarnings("unchecked")
    private final List<String>[] signCauses = new List[SIGNS];

    public RollingStopApplication(RollingStopPolicy policy) {
        this(policy, DEFAULT_TIMING);
    }

    public RollingStopApplication(RollingStopPolicy policy, ActuationConfig.PerKind timing) {
        this.policy = policy;
        this.timing = timing;
    }

    public RollingStopPolicy policy() {
        return policy;
    }

    @Override
    public String name() {
        return "rolling-stop";
    }

    @Override
    public String policyVersion() {
        return policy.version();
    }

    @Override
    public List<AlertKind> alertKinds() {
        return List.of(ROLLING_STOP);
    }

    @Override
    public Set<PerceptionInput> inputs() {
        return Set.of(PerceptionInput.CONFIRMED_TRACKS, PerceptionInput.VEHICLE_STATE);
    }

    @Override
    public List<FactorDefinition> factors() {
        return FACTORS;
    }

    @Override
    public Map<String, Double> thresholds() {
        return policy.thresholds();
    }

    @Override
    public ActuationConfig.PerKind actuation(AlertKind kind) {
        return ROLLING_STOP.equals(kind) ? timing : null;
    }

    @Override
    public boolean judges(ObjectClass objectClass) {
        return objectClass == ObjectClass.STOP_SIGN;
    }

    @Override
    public boolean assess(Perception p, ObjectKinematics sign, List<String> causes, RuleEvaluation out) {
        advance(p);
        int slot = slotOf(sign.trackKey);
        if (slot < 0) {
            slot = freeSlot(p.timeNanos());
            signKey[slot] = sign.trackKey;
        }
        double depthM = sign.rangeM * Math.cos(p.cameraPitchRad());
        signOdometerM[slot] = odometerM + depthM;
        signSigmaM[slot] = sign.rangeSigmaM * Math.cos(p.cameraPitchRad());
        signLateralM[slot] = sign.lateralM;
        signRangeM[slot] = sign.rangeM;
        signTrackAgeS[slot] = sign.trackAgeS;
        signSeenNanos[slot] = p.timeNanos();
        signCauses[slot] = causes;
        return false;
    }

    @Override
    public void afterFrame(Perception p, RuleEvaluation out, VerdictSink sink) {
        advance(p);
        if (!p.egoStateFresh()) {
            return;
        }
        if (ringTimeNanos != p.timeNanos()) {
            ringTimeNanos = p.timeNanos();
            ringOdometerM[ringHead] = odometerM;
            ringSpeedMps[ringHead] = p.egoSpeedMps();
            ringSampleId[ringHead] = p.vehicleStateId();
            ringHead = (ringHead + 1) % RING;
            ringCount = Math.min(ringCount + 1, RING);
        }
        for (int s = 0; s < SIGNS; s++) {
            if (signKey[s] != null && odometerM >= signOdometerM[s] + PASSED_SIGMAS * signSigmaM[s]) {
                judge(s, p, out, sink);
                signKey[s] = null;
                signCauses[s] = null;
            }
        }
    }

    /** Integrates the ego's travelled distance up to the current input (once per time step). */
    private void advance(Perception p) {
        long t = p.timeNanos();
        if (odometerTimeNanos == Long.MIN_VALUE) {
            odometerTimeNanos = t;
        } else if (t > odometerTimeNanos) {
            // trapezoid between the speed last used and the current one
            double v = p.egoStateFresh() ? p.egoSpeedMps() : lastSpeedMps;
            odometerM += 0.5 * (lastSpeedMps + v) * (t - odometerTimeNanos) * 1e-9;
            odometerTimeNanos = t;
        }
        if (p.egoStateFresh()) {
            lastSpeedMps = p.egoSpeedMps();
        }
    }

    private void judge(int s, Perception p, RuleEvaluation out, VerdictSink sink) {
        double signAtM = signOdometerM[s];
        // the window ends where the sign may be at the latest, so a stop just short of it counts
        double untilM = signAtM + PASSED_SIGMAS * signSigmaM[s];
        double fromM = signAtM - policy.approachDistanceM();
        double minSpeedMps = Double.POSITIVE_INFINITY;
        String minSampleId = null;
        double earliestM = Double.POSITIVE_INFINITY;
        for (int i = 0; i < ringCount; i++) {
            int k = Math.floorMod(ringHead - 1 - i, RING);
            double at = ringOdometerM[k];
            earliestM = Math.min(earliestM, at);
            if (at >= fromM && at <= untilM && ringSpeedMps[k] < minSpeedMps) {
                minSpeedMps = ringSpeedMps[k];
                minSampleId = ringSampleId[k];
            }
        }
        if (minSampleId == null) {
            // the frame that crossed the sign is the only sample: it is the speed at the sign
            minSpeedMps = p.egoSpeedMps();
            minSampleId = p.vehicleStateId();
        }
        // how far back before the sign the speed is known: the gate needs the whole approach distance
        double observedM = Math.max(0, signAtM - earliestM);

        out.start(ROLLING_STOP);
        out.ttcS(Ttc.NO_COLLISION_S);
        out.requiredDecelMps2(0);
        boolean rolled = out.factor(MIN_SPEED, minSpeedMps, policy.fullStopSpeedMps());
        boolean ourSide = out.factor(SIGN_LATERAL, signLateralM[s], policy.minSignLateralM());
        boolean nearPath = out.factor(SIGN_LATERAL_BOUND, signLateralM[s], policy.maxSignLateralM());
        boolean age = out.factor(SIGN_TRACK_AGE, signTrackAgeS[s], policy.minTrackAgeS());
        boolean seen = out.factor(SIGN_LAST_SEEN_RANGE, signRangeM[s], policy.maxLastSeenRangeM());
        boolean observed = out.factor(APPROACH_OBSERVED, observedM, policy.approachDistanceM());
        out.conclude(rolled && ourSide && nearPath, true, age && seen && observed, false);

        List<String> causes = new ArrayList<>(signCauses[s].size() + 2);
        causes.addAll(signCauses[s]);
        addOnce(causes, minSampleId);
        addOnce(causes, p.vehicleStateId());
        sink.verdict(signKey[s], Math.max(0, signAtM - odometerM), p.egoSpeedMps(), out, List.copyOf(causes));
    }

    private static void addOnce(List<String> list, String id) {
        if (id != null && !list.contains(id)) {
            list.add(id);
        }
    }

    private int slotOf(String key) {
        for (int s = 0; s < SIGNS; s++) {
            if (key.equals(signKey[s])) {
                return s;
            }
        }
        return -1;
    }

    /** A free slot, else the one whose sign was seen longest ago. */
    private int freeSlot(long nowNanos) {
        int oldest = 0;
        for (int s = 0; s < SIGNS; s++) {
            if (signKey[s] == null) {
                return s;
            }
            if (signSeenNanos[s] < signSeenNanos[oldest]) {
                oldest = s;
            }
        }
        return oldest;
    }
}
