package io.sightline.domain.event;

import java.util.List;
import java.util.Map;
import org.axonframework.serialization.Revision;

/**
 * A safety application ran in the cloud over a stored drive session (ADR-0029), with the same
 * code as at the edge. Stored last in the application's log of the session
 * ({@code <sessionId>/apps/<application>}), after the decisions it kept, so an auditor sees what
 * ran, under which policy, and how much of the session it could judge.
 *
 * @param outcome              {@code RAN}; {@code AT_EDGE} when the session's edge ran the
 *                             application already; {@code REFUSED} when the store lacks what it
 *                             needs ({@code reason} says what)
 * @param trackEventsRederived the edge's track events the cloud derived again to judge them
 * @param trackEventsDiverged  those the store does not hold as derived (a tier gap, another tracker)
 * @param verdictsDropped      decisions not stored because a cause was diverged or not stored
 * @param causes               the session's {@code DriveSessionStarted} and {@code DriveSessionEnded}
 */
@Revision("1")
public record CloudApplicationRan(
        String sessionId,
        String application,
        String policyVersion,
        Map<String, Double> policyThresholds,
        String outcome,
        @OptionalField String reason,
        long framesProcessed,
        long trackEventsRederived,
        long trackEventsDiverged,
        long verdictsDropped,
        long riskAssessments,
        long alertsRaised,
        long ranAtNanos,
        List<String> causes) implements DerivedEvent {

    public CloudApplicationRan {
        // sorted, so the stored JSON is the same bytes on every run
        policyThresholds = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(policyThresholds));
        causes = List.copyOf(causes);
    }
}
