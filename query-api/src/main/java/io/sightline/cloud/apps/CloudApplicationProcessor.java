package io.sightline.cloud.apps;

import io.sightline.domain.apps.RecordApplicationRun;
import io.sightline.domain.apps.SessionApplicationLog;
import io.sightline.domain.event.CloudApplicationRan;
import io.sightline.domain.event.DriveSessionEnded;
import io.sightline.domain.event.DriveSessionStarted;
import io.sightline.domain.event.EventMetadataKeys;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.SightlineEvent;
import io.sightline.domain.session.SessionAggregates;
import io.sightline.edge.app.SafetyApplication;
import io.sightline.edge.app.host.ApplicationProvider;
import io.sightline.edge.app.host.StoredSessionHost;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;

/**
 * The cloud's safety-application host (ADR-0029): when a drive session ends, each application
 * named by {@code sightline.cloud-apps.applications} runs over the session's stored events with
 * the edge's code ({@link StoredSessionHost}), and what it decided goes to the application's log
 * of the session ({@link SessionApplicationLog}), where the alerts projection, traces and streams
 * find it as they find the edge's own alerts.
 *
 * <p>The run's time is the session's end, not the wall clock, so processing the stream again
 * makes the same command, which the log recognises and ignores.
 */
@Component
@ProcessingGroup(CloudApplicationProcessor.NAME)
@ConditionalOnProperty(name = "sightline.projections.enabled", havingValue = "true", matchIfMissing = true)
public class CloudApplicationProcessor {

    public static final String NAME = "cloud-apps";
    private static final Logger log = LoggerFactory.getLogger(CloudApplicationProcessor.class);

    private final EventStore eventStore;
    private final CommandGateway commands;
    private final List<String> applications;

    public CloudApplicationProcessor(EventStore eventStore, CommandGateway commands,
                                     @Value("${sightline.cloud-apps.applications:}") String applications) {
        this.eventStore = eventStore;
        this.commands = commands;
        this.applications = Arrays.stream(applications.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        // refuse an unknown name at start-up, not at the first session end
        ApplicationProvider.create(this.applications);
        if (!this.applications.isEmpty()) {
            log.info("cloud-side safety applications: {}", this.applications);
        }
    }

    public List<String> applications() {
        return applications;
    }

    @EventHandler
    void on(DriveSessionEnded ended, DomainEventMessage<?> message) {
        String sessionId = message.getAggregateIdentifier();
        if (applications.isEmpty() || SessionAggregates.logOf(sessionId).isPresent()) {
            return;
        }
        List<EventEnvelope> stored = new ArrayList<>();
        String startId = null;
        // From sequence 0: the application needs every input of the session.
        var events = eventStore.readEvents(sessionId, 0);
        while (events.hasNext()) {
            DomainEventMessage<?> m = events.next();
            if (m.getPayload() instanceof SightlineEvent e) {
                Object at = m.getMetaData().get(EventMetadataKeys.OCCURRED_AT_NANOS);
                stored.add(new EventEnvelope(m.getIdentifier(), m.getSequenceNumber(), at instanceof Number n ? n.longValue() : 0, e));
                if (startId == null && e instanceof DriveSessionStarted) {
                    startId = m.getIdentifier();
                }
            }
        }
        List<String> causes = new ArrayList<>();
        if (startId != null) {
            causes.add(startId);
        }
        causes.add(message.getIdentifier());
        for (SafetyApplication app : ApplicationProvider.create(applications)) {
            StoredSessionHost.Run run = StoredSessionHost.run(sessionId, stored, app, StoredSessionHost.Settings.defaults());
            List<RecordApplicationRun.Decision> decisions = run.decisions().stream()
                    .map(d -> new RecordApplicationRun.Decision(d.eventId(), d.occurredAtNanos(), d.payload())).toList();
            CloudApplicationRan summary = new CloudApplicationRan(sessionId, run.application(), run.policyVersion(), run.thresholds(),
                    run.outcome(), run.reason(), run.frames(), run.trackEventsRederived(), run.trackEventsDiverged(), run.verdictsDropped(),
                    run.riskAssessments(), run.alertsRaised(), ended.endTimeNanos(), causes);
            String logId = SessionApplicationLog.idFor(sessionId, run.application());
            try {
                commands.sendAndWait(new RecordApplicationRun(logId, decisions, summary, logId + "/ran"));
            } catch (IllegalStateException e) {
                // another version already ran on this session: keep the stored run, say why this one is not stored
                log.warn("{} on session {} not stored: {}", run.application(), sessionId, e.getMessage());
                continue;
            }
            if (run.trackEventsDiverged() > 0 || run.verdictsDropped() > 0) {
                log.warn("{} on session {}: {} of {} re-derived track events differ from the stored ones and {} decisions were"
                                + " dropped for want of a stored cause (a tier gap, or another tracker configuration); e.g. {}",
                        run.application(), sessionId, run.trackEventsDiverged(), run.trackEventsRederived(), run.verdictsDropped(),
                        run.examples());
            }
        }
    }
}
