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

/** Vulnerable road user (pedestrian, cyclist) in the path: {@link RiskEvaluator#vulnerableRoadUser}. */
public final class VulnerableRoadUserApplication implements SafetyApplication {

    private final RiskEvaluator rules;
    private final ActuationConfig.PerKind timing;

    public VulnerableRoadUserApplication(RiskPolicy policy, ActuationConfig.PerKind timing) {
        this.rules = new RiskEvaluator(policy);
        this.timing = timing;
    }

    @Override
    public String name() {
        return "vulnerable-road-user";
    }

    @Override
    public String policyVersion() {
        return rules.policy().version();
    }

    @Override
    public List<AlertKind> alertKinds() {
        return List.of(AlertKind.VULNERABLE_ROAD_USER);
    }

    @Override
    public Set<PerceptionInput> inputs() {
        return Set.of(PerceptionInput.CONFIRMED_TRACKS, PerceptionInput.VEHICLE_STATE, PerceptionInput.CAMERA_HEALTH);
    }

    @Override
    public List<Factor> factors() {
        return Factor.ofRule(AlertKind.VULNERABLE_ROAD_USER.name());
    }

    @Override
    public Map<String, Double> thresholds() {
        return BuiltInThresholds.of(rules.policy(), factors(), ThresholdKey.VRU_TTC_CLEAR_S, ThresholdKey.VRU_MAX_LOOKAHEAD_S);
    }

    @Override
    public Set<String> parameterKeys() {
        return Set.of(ThresholdKey.VRU_TTC_CLEAR_S.key(), ThresholdKey.VRU_MAX_LOOKAHEAD_S.key());
    }

    @Override
    public ActuationConfig.PerKind actuation(AlertKind kind) {
        return AlertKind.VULNERABLE_ROAD_USER.equals(kind) ? timing : null;
    }

    @Override
    public boolean judges(ObjectClass objectClass) {
        return objectClass.isVulnerable();
    }

    @Override
    public boolean assess(Perception perception, ObjectKinematics object, List<String> causes, RuleEvaluation out) {
        rules.vulnerableRoadUser(object, perception.egoSpeedMps(), out);
        return true;
    }
}
