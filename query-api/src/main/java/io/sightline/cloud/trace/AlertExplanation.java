package io.sightline.cloud.trace;

import io.sightline.cloud.api.DriftReadModel;
import io.sightline.explain.margins.Counterfactual;
import io.sightline.explain.narrative.Narrative;
import io.sightline.explain.trace.CausalTrace;
import java.util.List;

/**
 * Everything an investigator sees for one alert: the causal DAG, the story, how close it was to
 * not firing, and the drift findings it was raised under (of its model, vehicle or fleet; issue 16
 * §2). Drift is found in the cloud after the fact, so it is context of the trace, never a cause.
 */
public record AlertExplanation(CausalTrace trace, Narrative narrative, Counterfactual margins, List<DriftReadModel.Finding> driftInForce) {
}
