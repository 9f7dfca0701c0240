package io.sightline.edge.app;

import io.sightline.domain.risk.FactorCatalog;
import io.sightline.domain.risk.FactorSpec;
import io.sightline.domain.risk.FactorUnit;
import io.sightline.edge.actuation.ActuationConfig;
import io.sightline.edge.app.core.FollowingDistanceApplication;
import io.sightline.edge.app.core.ForwardCollisionApplication;
import io.sightline.edge.app.core.VulnerableRoadUserApplication;
import io.sightline.edge.app.rollingstop.RollingStopApplication;
import io.sightline.edge.app.rollingstop.RollingStopPolicy;
import io.sightline.edge.risk.AlertKind;
import io.sightline.edge.risk.RiskPolicy;
import io.sightline.edge.risk.RuleEvaluation;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The applications installed on one camera stream, checked once at start and then run in order.
 * Refused with a message naming the application and what to fix:
 * <ul>
 *   <li>two applications with the same name, or claiming the same alert kind;</li>
 *   <li>a factor whose rule is not one of its application's kinds, or a factor key the catalog
 *       knows with another meaning;</li>
 *   <li>a factor whose threshold key the policy does not set, or whose threshold key is in
 *       another unit than the factor;</li>
 *   <li>a policy threshold no factor of the application uses (a misspelt or foreign key);</li>
 *   <li>more factors in one rule than a verdict can carry.</li>
 * </ul>
 * Installing registers the factors and rule levels in the domain's {@link FactorCatalog}, which is
 * how the explanations learn an application's factors.
 *
 * @param applications in the order they are run; the order is part of the event stream
 * @param maxInCabAlertsPerHour fleet-wide cap on in-cab alerts of all kinds together in any 3600 s
 *     (IN_CAB_CAP beyond), on top of each kind's own cap
 */
public record SafetyApplications(List<SafetyApplication> applications, int maxInCabAlertsPerHour) {

    /**
     * Default fleet-wide cap: two per minute over an hour. Each built-in kind caps itself at 60 or
     * fewer, so the default only bites when several applications alert at once all hour, which is
     * nagging no driver keeps listening to.
     */
    public static final int DEFAULT_MAX_IN_CAB_ALERTS_PER_HOUR = 120;

    public SafetyApplications {
        applications = List.copyOf(applications);
        if (applications.isEmpty()) {
            throw new IllegalArgumentException("no safety application installed");
        }
        if (maxInCabAlertsPerHour < 1) {
            throw new IllegalArgumentException("maxInCabAlertsPerHour must be at least 1, got " + maxInCabAlertsPerHour);
        }
        validate(applications);
        for (SafetyApplication app : applications) {
            FactorCatalog.register(app.factors());
            for (AlertKind k : app.alertKinds()) {
                FactorCatalog.registerRule(k.name(), k.level());
            }
        }
    }

    public SafetyApplications(List<SafetyApplication> applications) {
        this(applications, DEFAULT_MAX_IN_CAB_ALERTS_PER_HOUR);
    }

    /**
     * The shipped applications, fresh for one stream: forward collision, following distance and
     * vulnerable road users under {@code policy} (the order they always ran in), then rolling stop
     * under its default policy.
     */
    public static SafetyApplications standard(RiskPolicy policy, ActuationConfig actuation) {
        return standard(policy, actuation, RollingStopPolicy.defaults());
    }

    public static SafetyApplications standard(RiskPolicy policy, ActuationConfig actuation, RollingStopPolicy rollingStop) {
        return new SafetyApplications(List.of(
                new ForwardCollisionApplication(policy, actuation.forwardCollision()),
                new FollowingDistanceApplication(policy, actuation.followingDistance()),
                new VulnerableRoadUserApplication(policy, actuation.vulnerableRoadUser()),
                new RollingStopApplication(rollingStop)));
    }

    /** The kinds of the shipped applications, in their order. */
    public static List<AlertKind> shippedKinds() {
        return List.of(AlertKind.FORWARD_COLLISION, AlertKind.FOLLOWING_DISTANCE, AlertKind.VULNERABLE_ROAD_USER,
                RollingStopApplication.ROLLING_STOP);
    }

    /** The shipped kind of this name, or null. */
    public static AlertKind shippedKind(String name) {
        for (AlertKind k : shippedKinds()) {
            if (k.name().equals(name)) {
                return k;
            }
        }
        return null;
    }

    /** These applications and {@code more} after them. */
    public SafetyApplications with(SafetyApplication... more) {
        List<SafetyApplication> all = new ArrayList<>(applications);
        all.addAll(List.of(more));
        return new SafetyApplications(all, maxInCabAlertsPerHour);
    }

    /** Every installed kind, in application order. */
    public List<AlertKind> alertKinds() {
        List<AlertKind> kinds = new ArrayList<>();
        for (SafetyApplication app : applications) {
            kinds.addAll(app.alertKinds());
        }
        return kinds;
    }

    /** The installed kind of this name, or null. */
    public AlertKind kind(String name) {
        for (SafetyApplication app : applications) {
            for (AlertKind k : app.alertKinds()) {
                if (k.name().equals(name)) {
                    return k;
                }
            }
        }
        return null;
    }

    /** The application that owns {@code kind}. */
    public SafetyApplication owner(AlertKind kind) {
        for (SafetyApplication app : applications) {
            if (app.alertKinds().contains(kind)) {
                return app;
            }
        }
        throw new IllegalArgumentException("no installed application raises " + kind);
    }

    /** Every application's thresholds in one flat map, as {@code DriveSessionStarted.policyThresholds} records them. */
    public Map<String, Double> thresholds() {
        Map<String, Double> all = new LinkedHashMap<>();
        for (SafetyApplication app : applications) {
            all.putAll(app.thresholds());
        }
        return all;
    }

    private static void validate(List<SafetyApplication> apps) {
        Map<String, String> kindOwner = new LinkedHashMap<>();
        Set<String> names = new HashSet<>();
        for (SafetyApplication app : apps) {
            String name = app.name();
            if (!names.add(name)) {
                throw new IllegalArgumentException("two safety applications are named '" + name + "': give each its own name");
            }
            if (app.policyVersion() == null || app.policyVersion().isBlank()) {
                throw new IllegalArgumentException("safety application " + name + " has no policy version");
            }
            Set<String> ownKinds = new HashSet<>();
            for (AlertKind k : app.alertKinds()) {
                String other = kindOwner.putIfAbsent(k.name(), name);
                if (other != null) {
                    throw new IllegalArgumentException("alert kind " + k.name() + " is claimed by two safety applications, '"
                            + other + "' and '" + name + "': an alert kind belongs to one application");
                }
                ownKinds.add(k.name());
                if (app.actuation(k) == null) {
                    throw new IllegalArgumentException("safety application " + name + " gives no actuation timing for " + k.name());
                }
            }
            Map<String, Double> thresholds = app.thresholds();
            Set<String> used = new TreeSet<>();
            Map<String, Integer> perRule = new LinkedHashMap<>();
            for (FactorSpec f : app.factors()) {
                if (!ownKinds.contains(f.ruleName())) {
                    throw new IllegalArgumentException("safety application " + name + ": factor " + f.key() + " belongs to rule "
                            + f.ruleName() + ", which is not one of its alert kinds " + ownKinds);
                }
                if (perRule.merge(f.ruleName(), 1, Integer::sum) > RuleEvaluation.MAX_FACTORS) {
                    throw new IllegalArgumentException("safety application " + name + ": rule " + f.ruleName() + " has more than "
                            + RuleEvaluation.MAX_FACTORS + " factors");
                }
                for (String key : f.thresholdKeyNames()) {
                    Double value = thresholds.get(key);
                    if (value == null) {
                        throw new IllegalArgumentException("safety application " + name + ": factor " + f.key() + " is compared with "
                                + key + ", which its policy " + app.policyVersion() + " does not set (it sets " + new TreeSet<>(thresholds.keySet()) + ")");
                    }
                    FactorUnit unit = FactorUnit.unitOfKey(key);
                    if (unit != f.unit()) {
                        throw new IllegalArgumentException("safety application " + name + ": factor " + f.key() + " is in "
                                + f.unit().symbol() + " but its threshold " + key + " is in " + (unit == null ? "no unit" : unit.symbol())
                                + ": name the threshold with its unit, ending in " + f.unit().keySuffix());
                    }
                    if (!Double.isFinite(value)) {
                        throw new IllegalArgumentException("safety application " + name + ": threshold " + key + " must be finite, got " + value);
                    }
                    used.add(key);
                }
            }
            for (String key : thresholds.keySet()) {
                if (FactorUnit.unitOfKey(key) == null) {
                    throw new IllegalArgumentException("safety application " + name + ": threshold " + key
                            + " names no unit: end it with S, M, Mps or Mps2");
                }
                if (!used.contains(key) && !app.parameterKeys().contains(key)) {
                    throw new IllegalArgumentException("safety application " + name + ": its policy " + app.policyVersion()
                            + " sets " + key + ", which no factor of the application uses (its factors use " + used + ")");
                }
            }
        }
    }
}
