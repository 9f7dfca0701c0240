package io.sightline.cloud.rollout;

import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.event.AlertReviewed;
import io.sightline.domain.event.DriftDetected;
import io.sightline.domain.event.DriveSessionEnded;
import io.sightline.domain.event.DriveSessionStarted;
import io.sightline.domain.event.EdgeWindowSummarized;
import io.sightline.domain.event.FallbackEngaged;
import io.sightline.domain.event.InferenceFailed;
import io.sightline.domain.event.LatencyRegressionDetected;
import io.sightline.domain.event.ModelActivated;
import io.sightline.domain.event.ModelRejected;
import io.sightline.domain.event.PolicyRejected;
import io.sightline.domain.event.StageDeadlineMissed;
import io.sightline.domain.review.SessionReviewLog;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.ResetHandler;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * What the rollout gates read ({@code rollout_sessions}, {@code rollout_evidence}): each session's
 * vehicle, primary model and span, and one row per event a gate counts. Rows are independent of
 * one another (a review joins its alert when a gate reads, not here), so the processor's segments
 * need no common order, and every write is an upsert, so a replay rewrites the same rows.
 */
@Component
@ProcessingGroup(RolloutEvidenceProjection.NAME)
@ConditionalOnProperty(name = "sightline.projections.enabled", havingValue = "true", matchIfMissing = true)
public class RolloutEvidenceProjection {

    public static final String NAME = "rollout-evidence";

    private static final String EVIDENCE = "insert into rollout_evidence (event_id, kind, stage, session_id, fleet_id, vehicle_id, model_sha256,"
            + " value, ref, subject, occurred_at_nanos, global_index) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            + " on conflict (event_id, kind, stage) do nothing";

    private final JdbcTemplate jdbc;

    public RolloutEvidenceProjection(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    @EventHandler
    void on(DriveSessionStarted e, DomainEventMessage<?> m) {
        jdbc.update("insert into rollout_sessions (session_id, fleet_id, vehicle_id, policy_version, started_at_nanos) values (?, ?, ?, ?, ?)"
                + " on conflict (session_id) do nothing", m.getAggregateIdentifier(), e.fleetId(), e.vehicleId(), e.policyVersion(),
                e.startTimeNanos());
    }

    @EventHandler
    void on(ModelActivated e, DomainEventMessage<?> m) {
        if ("primary".equals(e.role())) {
            // The first primary of the session is the model it was assigned; a later one is a restore after a fallback.
            jdbc.update("update rollout_sessions set model_sha256 = ? where session_id = ? and model_sha256 is null", e.modelSha256(),
                    m.getAggregateIdentifier());
        } else if ("shadow".equals(e.role())) {
            // A session with a shadow does not confirm a rollback (ADR-0044): the vehicle still ran the rollout's shadow assignment.
            jdbc.update("update rollout_sessions set shadow_model_sha256 = ? where session_id = ?", e.modelSha256(), m.getAggregateIdentifier());
        }
    }

    /** A model the vehicle refused to activate (sha256, signature, input checks): {@code ref} is the sha256 it was asked to run. */
    @EventHandler
    void on(ModelRejected e, DomainEventMessage<?> m) {
        evidence(m, "model-rejected", "", m.getAggregateIdentifier(), null, null, null, null, e.expectedSha256(), e.reason(),
                e.rejectedAtNanos());
    }

    /** A policy the vehicle refused to activate (sha256, signature, parse): {@code ref} is the sha256 it was asked to run. */
    @EventHandler
    void on(PolicyRejected e, DomainEventMessage<?> m) {
        evidence(m, "policy-rejected", "", m.getAggregateIdentifier(), null, null, null, null, e.expectedSha256(), e.reason(),
                e.rejectedAtNanos());
    }

    @EventHandler
    void on(DriveSessionEnded e, DomainEventMessage<?> m) {
        jdbc.update("update rollout_sessions set ended_at_nanos = ? where session_id = ?", e.endTimeNanos(), m.getAggregateIdentifier());
    }

    @EventHandler
    void on(AlertRaised e, DomainEventMessage<?> m) {
        evidence(m, "alert", "", io.sightline.domain.session.SessionAggregates.driveSessionOf(m.getAggregateIdentifier()), null, null, null, null, e.kind(), null, e.raisedAtNanos());
    }

    @EventHandler
    void on(AlertReviewed e, DomainEventMessage<?> m) {
        String session = SessionReviewLog.sessionIdOf(m.getAggregateIdentifier()).orElse(null);
        evidence(m, "review", "", session, null, null, null, null, e.verdict(), e.causes().isEmpty() ? null : e.causes().get(0),
                e.reviewedAtNanos());
    }

    @EventHandler
    void on(FallbackEngaged e, DomainEventMessage<?> m) {
        evidence(m, "fallback", "", m.getAggregateIdentifier(), null, null, null, null, e.reason(), null, e.engagedAtNanos());
    }

    @EventHandler
    void on(InferenceFailed e, DomainEventMessage<?> m) {
        evidence(m, "inference-failed", "", m.getAggregateIdentifier(), null, null, null, null, e.reason(), null, e.failedAtNanos());
    }

    @EventHandler
    void on(StageDeadlineMissed e, DomainEventMessage<?> m) {
        evidence(m, "deadline-missed", e.stage(), m.getAggregateIdentifier(), null, null, null, e.actualNanos() / 1_000.0, null, null,
                m.getTimestamp().toEpochMilli() * 1_000_000L);
    }

    @EventHandler
    void on(EdgeWindowSummarized e, DomainEventMessage<?> m) {
        for (EdgeWindowSummarized.StageLatency s : e.stageLatencies()) {
            evidence(m, "window-p99", s.stage(), m.getAggregateIdentifier(), null, null, e.modelSha256(), (double) s.p99Micros(), null, null,
                    e.windowEndNanos());
        }
    }

    @EventHandler
    void on(DriftDetected e, DomainEventMessage<?> m) {
        String vehicle = "VEHICLE".equals(e.scope()) ? e.scopeKey().substring(e.scopeKey().indexOf('/') + 1) : null;
        evidence(m, "drift", e.measurement() == null ? "" : String.valueOf(e.measurement().feature()), null, e.fleetId(), vehicle,
                e.modelSha256(), null, e.scope(), null, e.detectedAtNanos());
    }

    @EventHandler
    void on(LatencyRegressionDetected e, DomainEventMessage<?> m) {
        evidence(m, "latency-regression", e.stage(), null, e.fleetId(), null, e.modelSha256(), (double) e.currentP95Micros(), null, null,
                e.detectedAtNanos());
    }

    private void evidence(DomainEventMessage<?> m, String kind, String stage, String session, String fleet, String vehicle, String model,
                          Double value, String ref, String subject, long atNanos) {
        jdbc.update(EVIDENCE, m.getIdentifier(), kind, stage == null ? "" : stage, session, fleet, vehicle, model, value, ref, subject, atNanos,
                globalIndex(m));
    }

    static long globalIndex(DomainEventMessage<?> m) {
        if (m instanceof org.axonframework.eventhandling.TrackedEventMessage<?> t && t.trackingToken() != null
                && t.trackingToken().position().isPresent()) {
            return t.trackingToken().position().getAsLong();
        }
        return -1;
    }

    @ResetHandler
    void reset() {
        jdbc.update("truncate table rollout_sessions");
        jdbc.update("truncate table rollout_evidence");
    }
}
