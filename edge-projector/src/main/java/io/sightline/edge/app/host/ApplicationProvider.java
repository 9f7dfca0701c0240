package io.sightline.edge.app.host;

import io.sightline.edge.actuation.ActuationConfig;
import io.sightline.edge.app.SafetyApplication;
import io.sightline.edge.app.core.FollowingDistanceApplication;
import io.sightline.edge.app.core.ForwardCollisionApplication;
import io.sightline.edge.app.core.VulnerableRoadUserApplication;
import io.sightline.edge.app.rollingstop.RollingStopApplication;
import io.sightline.edge.app.rollingstop.RollingStopPolicy;
import io.sightline.edge.risk.RiskPolicy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.function.Supplier;

/**
 * Safety applications by name, for a process that installs them by configuration rather than in
 * code: the cloud's application host (ADR-0029). An application outside this module ships a
 * {@code META-INF/services/io.sightline.edge.app.host.ApplicationProvider} entry in its jar; the
 * shipped four are always there.
 */
public interface ApplicationProvider {

    /** The applications this provider makes, by {@link SafetyApplication#name()}; each call of a supplier makes a fresh one. */
    Map<String, Supplier<SafetyApplication>> applications();

    /** The shipped applications under their default policies. */
    static Map<String, Supplier<SafetyApplication>> shipped() {
        return shipped(RiskPolicy.defaults());
    }

    /**
     * The shipped applications, the three that decide by the risk policy deciding by {@code policy}: the edge's verified,
     * assigned policy when it has one (issue 17 §2), so that naming applications never drops it for the defaults.
     */
    static Map<String, Supplier<SafetyApplication>> shipped(RiskPolicy policy) {
        Map<String, Supplier<SafetyApplication>> m = new LinkedHashMap<>();
        ActuationConfig actuation = ActuationConfig.defaults();
        m.put("forward-collision", () -> new ForwardCollisionApplication(policy, actuation.forwardCollision()));
        m.put("following-distance", () -> new FollowingDistanceApplication(policy, actuation.followingDistance()));
        m.put("vulnerable-road-user", () -> new VulnerableRoadUserApplication(policy, actuation.vulnerableRoadUser()));
        m.put("rolling-stop", () -> new RollingStopApplication(RollingStopPolicy.defaults()));
        return m;
    }

    /** Every application this process can install: the shipped ones and those of the providers on the class path. */
    static Map<String, Supplier<SafetyApplication>> available() {
        return available(RiskPolicy.defaults());
    }

    /** {@link #available()}, the shipped risk applications deciding by {@code policy}. */
    static Map<String, Supplier<SafetyApplication>> available(RiskPolicy policy) {
        Map<String, Supplier<SafetyApplication>> all = new LinkedHashMap<>(shipped(policy));
        for (ApplicationProvider p : ServiceLoader.load(ApplicationProvider.class)) {
            for (Map.Entry<String, Supplier<SafetyApplication>> e : p.applications().entrySet()) {
                if (all.putIfAbsent(e.getKey(), e.getValue()) != null) {
                    throw new IllegalStateException("two providers make a safety application named '" + e.getKey() + "' ("
                            + p.getClass().getName() + " is the second): rename one");
                }
            }
        }
        return all;
    }

    /**
     * Fresh instances of the named applications, in the order given.
     *
     * @throws IllegalArgumentException naming the unknown ones and what is available
     */
    static List<SafetyApplication> create(List<String> names) {
        return create(names, RiskPolicy.defaults());
    }

    /** {@link #create(List)}, the shipped risk applications deciding by {@code policy}. */
    static List<SafetyApplication> create(List<String> names, RiskPolicy policy) {
        Map<String, Supplier<SafetyApplication>> all = available(policy);
        List<String> unknown = new ArrayList<>();
        List<SafetyApplication> out = new ArrayList<>();
        for (String n : names) {
            Supplier<SafetyApplication> s = all.get(n);
            if (s == null) {
                unknown.add(n);
            } else {
                out.add(s.get());
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown safety application(s) " + unknown + "; available: " + all.keySet()
                    + ". An application from another jar needs a META-INF/services/" + ApplicationProvider.class.getName()
                    + " entry in it");
        }
        return out;
    }
}
