package io.sightline.cloud.ingest;

import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.ingest.EventCodec;
import io.sightline.domain.session.AppendEventBatch;
import io.sightline.domain.session.AppendOutcome;
import io.sightline.domain.session.DriveSession;
import org.axonframework.common.transaction.TransactionManager;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.sightline.domain.session.BatchAck;
import java.util.List;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.springframework.stereotype.Service;

/**
 * The single entry point every transport (in-process, HTTP, MQTT) uses to store edge batches
 * through the DriveSession aggregate. Rejections surface as
 * {@link io.sightline.domain.session.BatchRejectedException} with the reason and the sequence to
 * resend from.
 */
@Service
public class IngestionService {

    private static final Logger LOG = LoggerFactory.getLogger(IngestionService.class);

    private final CommandGateway commandGateway;
    private final EventStore eventStore;
    private final TransactionManager transactionManager;
    private final EventCodec codec = new EventCodec();

    public IngestionService(CommandGateway commandGateway, EventStore eventStore, TransactionManager transactionManager) {
        this.commandGateway = commandGateway;
        this.eventStore = eventStore;
        this.transactionManager = transactionManager;
    }

    public BatchAck append(String sessionId, long firstSequence, List<EventEnvelope> events) {
        AppendOutcome outcome = commandGateway.sendAndWait(new AppendEventBatch(sessionId, firstSequence, events));
        if (outcome.snapshot() != null) {
            storeSnapshot(sessionId, outcome);
        }
        return outcome.ack();
    }

    /**
     * Stores the live state the aggregate handed back, after its batch committed. Replaying the
     * session to build a snapshot cost more than half the append time (docs/benchmarks.md); a copy
     * of a few fields costs one small insert. A failure only means the next cold load replays more.
     */
    private void storeSnapshot(String sessionId, AppendOutcome outcome) {
        long lastSequence = outcome.ack().nextExpectedSequence() - 1;
        try {
            transactionManager.executeInTransaction(() -> eventStore.storeSnapshot(
                    new GenericDomainEventMessage<>(DriveSession.class.getSimpleName(), sessionId, lastSequence, outcome.snapshot())));
        } catch (RuntimeException e) {
            LOG.warn("Snapshot of session {} at sequence {} not stored: {}", sessionId, lastSequence, e.getMessage());
        }
    }

    /** Decodes a wire batch (JSON array) strictly, then appends it. */
    public BatchAck appendJson(String sessionId, long firstSequence, String json) {
        return append(sessionId, firstSequence, codec.decodeBatch(json));
    }

    public EventCodec codec() {
        return codec;
    }
}
