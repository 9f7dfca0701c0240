package io.sightline.edge.app;

import io.sightline.domain.risk.FactorSpec;
import io.sightline.edge.actuation.ActuationConfig;
import io.sightline.edge.range.ObjectClass;
import io.sightline.edge.risk.AlertKind;
import io.sightline.edge.risk.ObjectKinematics;
import io.sightline.edge.risk.RuleEvaluation;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A safety application over the shared perception. One instance per camera stream (it may keep
 * per-stream state), called from one thread in input order, so that the same inputs give the same
 * verdicts, byte for byte, at the edge, in replay and in a cloud host.
 *
 * <p>What it declares is checked when it is installed ({@link SafetyApplications}): its factors'
 * rules are its own alert kinds, every threshold a factor names is set by its policy in the factor's
 * unit, its policy sets nothing no factor uses, and no other application claims its kinds.
 */
public interface SafetyApplication {

    /** A short stable name, e.g. {@code rolling-stop}. */
    String name();

    /** The version of its policy, recorded in every {@code RiskAssessed} and {@code AlertRaised} it causes. */
    String policyVersion();

    /** The alerts it may ask for. */
    List<AlertKind> alertKinds();

    /** The perception it reads. */
    Set<PerceptionInput> inputs();

    /** Every factor its rules emit, in the domain catalog's terms. */
    List<? extends FactorSpec> factors();

    /** Its policy's thresholds, by key; each key ends with its unit ({@code …S}, {@code …M}, {@code …Mps}, {@code …Mps2}). */
    Map<String, Double> thresholds();

    /**
     * Policy thresholds that shape a rule without being a factor's threshold (a clear threshold
     * for hysteresis, a look-ahead horizon); their keys end with their unit too.
     */
    default Set<String> parameterKeys() {
        return Set.of();
    }

    /** In-cab timing of one of its kinds: hysteresis, minimum on-time, cooldown and hourly cap. */
    ActuationConfig.PerKind actuation(AlertKind kind);

    /** Whether it judges objects of this class. */
    boolean judges(ObjectClass objectClass);

    /**
     * Judges one object at an update of its track (only for classes it {@link #judges}).
     *
     * @param causes the events this update's decision would name (the track update, the vehicle
     *     state, the camera-health episode in force): immutable, may be kept
     * @return whether {@code out} holds a verdict to record now
     */
    boolean assess(Perception perception, ObjectKinematics object, List<String> causes, RuleEvaluation out);

    /** Called once per frame after every object update, for verdicts not tied to an update. */
    default void afterFrame(Perception perception, RuleEvaluation scratch, VerdictSink out) {
    }
}
