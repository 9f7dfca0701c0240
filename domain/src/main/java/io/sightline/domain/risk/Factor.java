package io.sightline.domain.risk;

import static io.sightline.domain.risk.Comparison.GREATER_OR_EQUAL;
import static io.sightline.domain.risk.Comparison.LESS;
import static io.sightline.domain.risk.Comparison.LESS_OR_EQUAL;
import static io.sightline.domain.risk.FactorRole.GATE;
import static io.sightline.domain.risk.FactorRole.HAZARD;
import static io.sightline.domain.risk.FactorRole.INFORMATIONAL;
import static io.sightline.domain.risk.FactorRole.PATH;
import static io.sightline.domain.risk.FactorUnit.METRES;
import static io.sightline.domain.risk.FactorUnit.METRES_PER_SECOND;
import static io.sightline.domain.risk.FactorUnit.METRES_PER_SECOND_SQUARED;
import static io.sightline.domain.risk.FactorUnit.SECONDS;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Every factor the risk policy's rules emit: its recorded key, human name, role, unit, comparison
 * and the threshold key(s) it is compared with (a sum for the path corridor: ego half-width plus
 * the rule's margin). Defaults and their sources are in {@code docs/risk-policy.md} §3.
 *
 * <p>The keys are what recorded {@code RiskAssessed} events carry, so they never change; a new
 * meaning gets a new factor.
 */
public enum Factor implements FactorSpec {
    FCW_TTC("FORWARD_COLLISION", "fcw.ttc", "TTC", HAZARD, SECONDS, LESS_OR_EQUAL,
            ThresholdKey.FCW_TTC_RAISE_S),
    FCW_LATERAL_OFFSET("FORWARD_COLLISION", "fcw.lateralOffset", "lateral offset", PATH, METRES, LESS,
            ThresholdKey.EGO_HALF_WIDTH_M, ThresholdKey.FCW_CORRIDOR_MARGIN_M),
    FCW_EGO_SPEED("FORWARD_COLLISION", "fcw.egoSpeed", "ego speed", GATE, METRES_PER_SECOND, GREATER_OR_EQUAL,
            ThresholdKey.FCW_MIN_EGO_SPEED_MPS),
    FCW_TRACK_AGE("FORWARD_COLLISION", "fcw.trackAge", "track age", GATE, SECONDS, GREATER_OR_EQUAL,
            ThresholdKey.FCW_MIN_TRACK_AGE_S),
    FCW_TTC_SIGMA("FORWARD_COLLISION", "fcw.ttcSigma", "TTC spread", GATE, SECONDS, LESS_OR_EQUAL,
            ThresholdKey.FCW_MAX_TTC_SIGMA_S),
    FCW_REQUIRED_DECEL("FORWARD_COLLISION", "fcw.requiredDecel", "required deceleration", INFORMATIONAL,
            METRES_PER_SECOND_SQUARED, GREATER_OR_EQUAL, ThresholdKey.FCW_HARD_BRAKING_DECEL_MPS2),
    HEADWAY_TIME_GAP("FOLLOWING_DISTANCE", "headway.timeGap", "time gap", HAZARD, SECONDS, LESS,
            ThresholdKey.HEADWAY_TIME_GAP_RAISE_S),
    HEADWAY_DURATION_BELOW("FOLLOWING_DISTANCE", "headway.durationBelow", "time below the gap threshold", HAZARD, SECONDS,
            GREATER_OR_EQUAL, ThresholdKey.HEADWAY_MIN_DURATION_S),
    HEADWAY_LATERAL_OFFSET("FOLLOWING_DISTANCE", "headway.lateralOffset", "lateral offset", PATH, METRES, LESS,
            ThresholdKey.EGO_HALF_WIDTH_M, ThresholdKey.HEADWAY_CORRIDOR_MARGIN_M),
    HEADWAY_EGO_SPEED("FOLLOWING_DISTANCE", "headway.egoSpeed", "ego speed", GATE, METRES_PER_SECOND, GREATER_OR_EQUAL,
            ThresholdKey.HEADWAY_MIN_EGO_SPEED_MPS),
    HEADWAY_TRACK_AGE("FOLLOWING_DISTANCE", "headway.trackAge", "track age", GATE, SECONDS, GREATER_OR_EQUAL,
            ThresholdKey.HEADWAY_MIN_TRACK_AGE_S),
    VRU_TTC("VULNERABLE_ROAD_USER", "vru.ttc", "TTC", HAZARD, SECONDS, LESS_OR_EQUAL,
            ThresholdKey.VRU_TTC_RAISE_S),
    VRU_PREDICTED_LATERAL_OFFSET("VULNERABLE_ROAD_USER", "vru.predictedLateralOffset", "predicted lateral offset", PATH, METRES,
            LESS, ThresholdKey.EGO_HALF_WIDTH_M, ThresholdKey.VRU_CORRIDOR_MARGIN_M),
    VRU_EGO_SPEED("VULNERABLE_ROAD_USER", "vru.egoSpeed", "ego speed", GATE, METRES_PER_SECOND, GREATER_OR_EQUAL,
            ThresholdKey.VRU_MIN_EGO_SPEED_MPS),
    VRU_TRACK_AGE("VULNERABLE_ROAD_USER", "vru.trackAge", "track age", GATE, SECONDS, GREATER_OR_EQUAL,
            ThresholdKey.VRU_MIN_TRACK_AGE_S);

    private static final Map<String, Factor> BY_KEY = Stream.of(values())
            .collect(Collectors.toUnmodifiableMap(Factor::key, Function.identity()));

    private final String ruleName;
    private final String key;
    private final String humanName;
    private final FactorRole role;
    private final FactorUnit unit;
    private final Comparison comparison;
    private final List<ThresholdKey> thresholdKeys;

    Factor(String ruleName, String key, String humanName, FactorRole role, FactorUnit unit, Comparison comparison,
           ThresholdKey... thresholdKeys) {
        this.ruleName = ruleName;
        this.key = key;
        this.humanName = humanName;
        this.role = role;
        this.unit = unit;
        this.comparison = comparison;
        this.thresholdKeys = List.of(thresholdKeys);
    }

    /** The rule that emits it, as {@code RiskAssessed.ruleName} records it. */
    @Override
    public String ruleName() {
        return ruleName;
    }

    /** The recorded name, e.g. {@code fcw.ttcSigma}: a constant, so the edge hot path passes it without allocating. */
    @Override
    public String key() {
        return key;
    }

    /** For prose and the investigator UI, e.g. "TTC spread". */
    @Override
    public String humanName() {
        return humanName;
    }

    @Override
    public FactorRole role() {
        return role;
    }

    @Override
    public FactorUnit unit() {
        return unit;
    }

    @Override
    public Comparison comparison() {
        return comparison;
    }

    /** The threshold is the sum of these keys' values (one key for all but the path corridors). */
    public List<ThresholdKey> thresholdKeys() {
        return thresholdKeys;
    }

    @Override
    public List<String> thresholdKeyNames() {
        return thresholdKeys.stream().map(ThresholdKey::key).toList();
    }

    /** A value in time to collision, for which the explanations solve kinematic bounds. */
    @Override
    public boolean isTimeToCollision() {
        return this == FCW_TTC || this == VRU_TTC;
    }

    /** The threshold under a flat threshold map, or empty when the map lacks one of the keys. */
    @Override
    public OptionalDouble threshold(Map<String, Double> thresholds) {
        double sum = 0;
        for (ThresholdKey k : thresholdKeys) {
            Double v = thresholds.get(k.key());
            if (v == null) {
                return OptionalDouble.empty();
            }
            sum += v;
        }
        return OptionalDouble.of(sum);
    }

    public static Optional<Factor> byKey(String key) {
        return Optional.ofNullable(BY_KEY.get(key));
    }

    /** The factors of one rule, in the order the rule emits them. */
    public static List<Factor> ofRule(String ruleName) {
        return Stream.of(values()).filter(f -> f.ruleName.equals(ruleName)).toList();
    }
}
