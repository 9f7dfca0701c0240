package io.sightline.cloud.projection;

import io.sightline.domain.event.DerivedEvent;
import io.sightline.domain.event.EventCatalog;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.ResetHandler;
import org.axonframework.eventhandling.TrackingToken;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The lineage index: one row per (event, cause). The causal-trace walk reads it backwards from an
 * alert. Rows are keyed by (event, cause), so a replay writes nothing twice.
 */
@Component
@ProcessingGroup(TraceEdgesProjection.NAME)
@ConditionalOnProperty(name = "sightline.projections.enabled", havingValue = "true", matchIfMissing = true)
public class TraceEdgesProjection {

    public static final String NAME = "trace-edges";
    private static final String INSERT = "insert into trace_edges (event_id, cause_id, event_type, session_id, global_index)"
            + " values (?,?,?,?,?) on conflict do nothing";

    private final JdbcTemplate jdbc;
    private final BatchedJdbcWriter writer;

    public TraceEdgesProjection(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
        this.writer = new BatchedJdbcWriter(jdbc, NAME);
    }

    @EventHandler
    void on(DerivedEvent event, DomainEventMessage<?> message, TrackingToken token) {
        String type = EventCatalog.nameOf(event);
        long globalIndex = token.position().orElse(-1);
        for (String cause : event.causes()) {
            writer.add(INSERT, message.getIdentifier(), cause, type, message.getAggregateIdentifier(), globalIndex);
        }
    }

    @ResetHandler
    void reset() {
        jdbc.update("truncate table trace_edges");
    }
}
