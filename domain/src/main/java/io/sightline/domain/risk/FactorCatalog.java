package io.sightline.domain.risk;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one catalog of factors: the built-in {@link Factor}s, the factors of every safety application
 * found on the class path ({@link Contribution} through {@link ServiceLoader}), and those
 * registered when an application is installed. The explanations look factors up here, so an
 * application's factors get labels, roles, margins and what-if bindings with no code of its own
 * in explainability, the API or the UI.
 *
 * <p>A key means one thing forever: registering a key again with a different definition is
 * refused, since recorded events already carry it.
 */
public final class FactorCatalog {

    /** Supplies an application's factors to every process that loads it (edge and cloud). */
    public interface Contribution {
        Collection<? extends FactorSpec> factors();

        /** The level each of its rules raises ({@code WARNING} or {@code ADVISORY}), by rule name. */
        Map<String, String> ruleLevels();
    }

    private static final Map<String, FactorSpec> BY_KEY = new ConcurrentHashMap<>();
    private static final Map<String, String> LEVEL_BY_RULE = new ConcurrentHashMap<>();

    static {
        for (Factor f : Factor.values()) {
            BY_KEY.put(f.key(), f);
        }
        LEVEL_BY_RULE.put("FORWARD_COLLISION", "WARNING");
        LEVEL_BY_RULE.put("FOLLOWING_DISTANCE", "ADVISORY");
        LEVEL_BY_RULE.put("VULNERABLE_ROAD_USER", "WARNING");
        for (Contribution c : ServiceLoader.load(Contribution.class, FactorCatalog.class.getClassLoader())) {
            register(c.factors());
            c.ruleLevels().forEach(FactorCatalog::registerRule);
        }
    }

    /** The level a rule raises when it alerts, if the rule is known. */
    public static Optional<String> ruleLevel(String ruleName) {
        return ruleName == null ? Optional.empty() : Optional.ofNullable(LEVEL_BY_RULE.get(ruleName));
    }

    /**
     * Records the level a rule raises.
     *
     * @throws IllegalArgumentException when the rule is known with another level
     */
    public static synchronized void registerRule(String ruleName, String level) {
        if (!"WARNING".equals(level) && !"ADVISORY".equals(level)) {
            throw new IllegalArgumentException("rule " + ruleName + ": level must be WARNING or ADVISORY, got " + level);
        }
        String known = LEVEL_BY_RULE.putIfAbsent(ruleName, level);
        if (known != null && !known.equals(level)) {
            throw new IllegalArgumentException("rule " + ruleName + " already raises " + known + ", not " + level);
        }
    }

    private FactorCatalog() {
    }

    public static Optional<FactorSpec> byKey(String key) {
        return key == null ? Optional.empty() : Optional.ofNullable(BY_KEY.get(key));
    }

    /**
     * Adds factors; one already known under the same definition is accepted again.
     *
     * @throws IllegalArgumentException naming the key when it is known with another definition
     */
    public static synchronized void register(Collection<? extends FactorSpec> factors) {
        List<FactorSpec> checked = new ArrayList<>(factors.size());
        for (FactorSpec f : factors) {
            FactorSpec known = BY_KEY.get(f.key());
            if (known != null && !same(known, f)) {
                throw new IllegalArgumentException("factor " + f.key() + " is already defined as " + describe(known)
                        + "; a recorded key keeps its meaning forever, so give " + describe(f) + " a new key");
            }
            checked.add(f);
        }
        for (FactorSpec f : checked) {
            BY_KEY.putIfAbsent(f.key(), f);
        }
    }

    private static boolean same(FactorSpec a, FactorSpec b) {
        return a.ruleName().equals(b.ruleName()) && a.role() == b.role() && a.unit() == b.unit()
                && a.comparison() == b.comparison() && a.thresholdKeyNames().equals(b.thresholdKeyNames())
                && a.humanName().equals(b.humanName());
    }

    private static String describe(FactorSpec f) {
        return f.ruleName() + " " + f.role() + " " + f.unit().symbol() + " " + f.comparison().symbol() + " "
                + f.thresholdKeyNames();
    }
}
