package io.sightline.edge.app.core;

import io.sightline.domain.risk.Factor;
import io.sightline.domain.risk.ThresholdKey;
import io.sightline.edge.actuation.ActuationConfig;
import io.sightline.edge.app.Perception;
import io.sightline.edge.app.PerceptionInput;
import io.sightline.edge.app.SafetyApplication;
import io.sightline.edge.range.ObjectClass;
import io.sightline.edge.risk.AlertKind;
import io.sightline.edge.risk.ObjectKinematics;
import io.sightline.edge.risk.RiskEvaluator;
import io.sightline.edge.risk.RiskPolicy;
import io.sightline.edge.risk.RuleEvaluation;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Following-distance (headway) advisory behind a motor vehicle: {@link RiskEvaluator#followingDistance}. */
public final class FollowingDistanceApplication implements SafetyApplication {

    private final RiskEvaluator rules;
    private final ActuationConfig.PerKind timing;

    public FollowingDistanceApplication(RiskPolicy policy, ActuationConfig.PerKind timing) {
        this.rules = new RiskEvaluator(policy);
        this.timing = timing;
    }

    @Override
    public String name() {
        return "following-distance";
    }

    @Override
    public String policyVersion() {
        return rules.policy().version();
    }

    @Override
    public List<AlertKind> alertKinds() {
        return List.of(AlertKind.FOLLOWING_DISTANCE);
    }

    @Override
    public Set<PerceptionInput> inputs() {
        return Set.of(PerceptionInput.CONFIRMED_TRACKS, PerceptionInput.VEHICLE_STATE, PerceptionInput.CAMERA_HEALTH);
    }

    @Override
    public List<Factor> factors() {
        return Factor.ofRule(AlertKind.FOLLOWING_DISTANCE.name());
    }

    @Override
    public Map<String, Double> thresholds() {
        return BuiltInThresholds.of(rules.policy(), factors(), ThresholdKey.HEADWAY_TIME_GAP_CLEAR_S);
    }

    @Override
    public Set<String> parameterKeys() {
        return Set.of(ThresholdKey.HEADWAY_TIME_GAP_CLEAR_S.key());
    }

    @Override
    public ActuationConfig.PerKind actuation(AlertKind kind) {
        return AlertKind.FOLLOWING_DISTANCE.equals(kind) ? timing : null;
    }

    @Override
    public boolean judges(ObjectClass objectClass) {
        return objectClass.isVehicle();
    }

    @Override
    public boolean assess(Perception perception, ObjectKinematics object, List<String> causes, RuleEvaluation out) {
        rules.followingDistance(object, perception.egoSpeedMps(), perception.timeNanos(), out);
        return true;
    }
}
