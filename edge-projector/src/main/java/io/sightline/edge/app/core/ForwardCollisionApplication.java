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

/** Forward-collision warning for a motor vehicle ahead: {@link RiskEvaluator#forwardCollision}. */
public final class ForwardCollisionApplication implements SafetyApplication {

    private final RiskEvaluator rules;
    private final ActuationConfig.PerKind timing;

    public ForwardCollisionApplication(RiskPolicy policy, ActuationConfig.PerKind timing) {
        this.rules = new RiskEvaluator(policy);
        this.timing = timing;
    }

    @Override
    public String name() {
        return "forward-collision";
    }

    @Override
    public String policyVersion() {
        return rules.policy().version();
    }

    @Override
    public List<AlertKind> alertKinds() {
        return List.of(AlertKind.FORWARD_COLLISION);
    }

    @Override
    public Set<PerceptionInput> inputs() {
        return Set.of(PerceptionInput.CONFIRMED_TRACKS, PerceptionInput.VEHICLE_STATE, PerceptionInput.CAMERA_HEALTH);
    }

    @Override
    public List<Factor> factors() {
        return Factor.ofRule(AlertKind.FORWARD_COLLISION.name());
    }

    @Override
    public Map<String, Double> thresholds() {
        return BuiltInThresholds.of(rules.policy(), factors(), ThresholdKey.FCW_TTC_CLEAR_S);
    }

    @Override
    public Set<String> parameterKeys() {
        return Set.of(ThresholdKey.FCW_TTC_CLEAR_S.key());
    }

    @Override
    public ActuationConfig.PerKind actuation(AlertKind kind) {
        return AlertKind.FORWARD_COLLISION.equals(kind) ? timing : null;
    }

    @Override
    public boolean judges(ObjectClass objectClass) {
        return objectClass.isVehicle();
    }

    @Override
    public boolean assess(Perception perception, ObjectKinematics object, List<String> causes, RuleEvaluation out) {
        rules.forwardCollision(object, perception.egoSpeedMps(), out);
        return true;
    }
}
