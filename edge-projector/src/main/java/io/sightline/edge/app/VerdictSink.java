package io.sightline.edge.app;

import io.sightline.edge.risk.RuleEvaluation;
import java.util.List;

/**
 * Where an application puts a verdict it reaches outside an object update (a rolling stop is
 * judged when the ego passes the sign, after the sign has left the image). The projector records
 * it as {@code RiskAssessed} (id {@code prefix/frameId/objectKey/KIND}) and offers it to actuation.
 */
public interface VerdictSink {

    /**
     * @param objectKey the object the verdict is about (its track key)
     * @param rangeM recorded as {@code RiskAssessed.rangeM}
     * @param closingSpeedMps recorded as {@code RiskAssessed.closingSpeedMps}
     * @param causes the events the verdict was computed from, in causal order
     */
    void verdict(String objectKey, double rangeM, double closingSpeedMps, RuleEvaluation evaluation, List<String> causes);
}
