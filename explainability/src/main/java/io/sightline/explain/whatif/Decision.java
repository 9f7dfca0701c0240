package io.sightline.explain.whatif;

import io.sightline.domain.event.RiskFactor;
import java.util.List;

/**
 * A rule's verdict on one recorded assessment under some policy.
 *
 * @param requested               whether the rule asks for an alert
 * @param level                   {@code NONE}, {@code ADVISORY} or {@code WARNING}
 * @param factors                 the factors re-evaluated: threshold, margin and triggered under this policy
 * @param factorsWithoutThreshold factors the policy sets no threshold for; they keep the recorded one
 */
public record Decision(boolean requested, String level, List<RiskFactor> factors, List<String> factorsWithoutThreshold) {
}
