package io.sightline.cloud.trace;

import io.sightline.explain.margins.Counterfactual;
import io.sightline.explain.narrative.Narrative;
import io.sightline.explain.trace.CausalTrace;

/** Everything an investigator sees for one alert: the causal DAG, the story, and how close it was to not firing. */
public record AlertExplanation(CausalTrace trace, Narrative narrative, Counterfactual margins) {
}
