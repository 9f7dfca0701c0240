package io.sightline.cloud.trace;

import io.sightline.cloud.api.AlertReadModel;
import io.sightline.cloud.api.DriftReadModel;
import io.sightline.domain.event.DetectionObserved;
import io.sightline.domain.event.DriveSessionStarted;
import io.sightline.domain.event.ModelActivated;
import io.sightline.domain.event.RiskAssessed;
import io.sightline.explain.margins.Counterfactual;
import io.sightline.explain.margins.Counterfactuals;
import io.sightline.explain.narrative.Narrator;
import io.sightline.explain.trace.CausalTrace;
import io.sightline.explain.trace.CausalTraceEngine;
import io.sightline.explain.whatif.PolicyThresholds;
import io.sightline.explain.whatif.WhatIfReplay;
import io.sightline.explain.whatif.WhatIfReport;
import java.util.List;
import java.util.Optional;
import org.springframework.stereotype.Service;

/**
 * Fleet-scoped entry point for the API layer: an alert or session of another fleet is answered as
 * absent, exactly like one that does not exist, so its existence leaks nothing. The fleet comes from
 * the projections ({@code alerts}, {@code alert_sessions}); an alert the projection has not reached
 * yet is not visible to anyone, which only delays it by the projection lag.
 */
@Service
public class ExplainService {

    private final AlertReadModel alerts;
    private final CausalTraceEngine engine;
    private final WhatIfReplay whatIf;
    private final DriftReadModel drift;

    public ExplainService(AlertReadModel alerts, CausalTraceEngine engine, WhatIfReplay whatIf, DriftReadModel drift) {
        this.alerts = alerts;
        this.engine = engine;
        this.whatIf = whatIf;
        this.drift = drift;
    }

    public Optional<AlertExplanation> explain(String alertId, String fleetId) {
        if (!alerts.visible(alertId, fleetId)) {
            return Optional.empty();
        }
        CausalTrace trace = engine.trace(alertId);
        Counterfactual margins = trace.decidingAssessment().map(n -> Counterfactuals.of((RiskAssessed) n.payload())).orElse(null);
        return Optional.of(new AlertExplanation(trace, Narrator.narrate(trace), margins, driftInForce(trace, fleetId)));
    }

    private List<DriftReadModel.Finding> driftInForce(CausalTrace trace, String fleetId) {
        String vehicleId = trace.sessionStarted().map(DriveSessionStarted::vehicleId).orElse(null);
        List<String> models = trace.payloads(ModelActivated.class).stream().map(ModelActivated::modelSha256).distinct().toList();
        if (models.isEmpty()) {
            models = trace.payloads(DetectionObserved.class).stream().map(DetectionObserved::modelSha256).distinct().toList();
        }
        return drift.inForce(fleetId, vehicleId, models, trace.sessionId(), trace.alert().raisedAtNanos());
    }

    public Optional<WhatIfReport> whatIf(String sessionId, String fleetId, long fromNanos, long toNanos, PolicyThresholds policy) {
        if (!alerts.sessionVisible(sessionId, fleetId)) {
            return Optional.empty();
        }
        return Optional.of(whatIf.replay(sessionId, fromNanos, toNanos, policy));
    }
}
