package io.sightline.explain.whatif;

import io.sightline.domain.event.RiskAssessed;
import io.sightline.domain.event.RiskFactor;
import io.sightline.domain.risk.FactorCatalog;
import io.sightline.explain.Fmt;
import io.sightline.explain.margins.FactorNames;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;

/**
 * Re-evaluates each recorded factor value against the new policy's threshold with the recorded
 * comparison; the rule requests an alert when every decisive (non-informational) factor holds,
 * which is how the edge policy concludes.
 *
 * <p>Limits, because only the recorded values are used: a factor whose value itself depends on a
 * threshold is not recomputed (the headway duration timer restarts at the old gap threshold; the
 * VRU predicted lateral offset uses the old look-ahead), and the clear threshold (hysteresis) is
 * not applied. Plug the live policy in through {@link DecisionModel} to lift them.
 */
public final class RecordedFactorDecisionModel implements DecisionModel {

    private final ThresholdBinding binding;

    public RecordedFactorDecisionModel(ThresholdBinding binding) {
        this.binding = binding;
    }

    public RecordedFactorDecisionModel() {
        this(ThresholdBinding.edgePolicy());
    }

    @Override
    public Decision decide(RiskAssessed recorded, PolicyThresholds policy) {
        List<RiskFactor> factors = new ArrayList<>(recorded.factors().size());
        List<String> unbound = new ArrayList<>();
        boolean requested = !recorded.factors().isEmpty();
        for (RiskFactor f : recorded.factors()) {
            OptionalDouble t = binding.thresholdFor(f.name(), policy.thresholds());
            if (t.isEmpty()) {
                unbound.add(f.name());
            }
            double threshold = t.orElse(f.threshold());
            boolean holds = Fmt.holds(f.value(), f.comparison(), threshold);
            factors.add(new RiskFactor(f.name(), f.value(), f.unit(), f.comparison(), threshold,
                    Fmt.margin(f.value(), f.comparison(), threshold), holds));
            if (!FactorNames.informational(f.name())) {
                requested &= holds;
            }
        }
        String level = requested ? alertLevel(recorded) : "NONE";
        return new Decision(requested, level, List.copyOf(factors), List.copyOf(unbound));
    }

    /** The level the rule raises: the recorded one when it alerted, else the rule's own. */
    static String alertLevel(RiskAssessed r) {
        if (!"NONE".equals(r.level())) {
            return r.level();
        }
        return FactorCatalog.ruleLevel(r.ruleName().toUpperCase(Locale.ROOT)).orElse("WARNING");
    }
}
