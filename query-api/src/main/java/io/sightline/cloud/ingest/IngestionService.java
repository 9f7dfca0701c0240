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
import java.sql.SQLException;
import io.sightline.domain.session.BatchRejectedException;
import io.sightline.domain.session.RejectionReason;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.common.caching.Cache;
import org.axonframework.modelling.command.ConcurrencyException;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
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
    /** The DriveSession cache; {@code null} when none is configured. */
    private final Cache sessionCache;

    public IngestionService(CommandGateway commandGateway, EventStore eventStore, TransactionManager transactionManager) {
        this(commandGateway, eventStore, transactionManager, null);
    }

    @Autowired
    public IngestionService(CommandGateway commandGateway, EventStore eventStore, TransactionManager transactionManager,
                            @Qualifier("driveSessionCache") Cache sessionCache) {
        this.commandGateway = commandGateway;
        this.eventStore = eventStore;
        this.transactionManager = transactionManager;
        this.sessionCache = sessionCache;
    }

    /**
     * Appends a batch. With several cloud replicas each caches DriveSession, so a replica's copy
     * can lag the store when another replica appended to the same session (MQTT's shared
     * subscription spreads one vehicle's batches over replicas). A stale copy shows up either as
     * a gap it invents or as a unique-key conflict on commit; both are answered by evicting the
     * copy and deciding once more from the store, so the edge never hears a false position.
     *
     * @throws ConcurrencyException when the store still conflicts after the retry (another replica
     *                              is appending to the same session right now): the edge retries later
     */
    public BatchAck append(String sessionId, long firstSequence, List<EventEnvelope> events) {
        try {
            return appendOnce(sessionId, firstSequence, events);
        } catch (BatchRejectedException e) {
            if (e.reason() != RejectionReason.SEQUENCE_GAP || sessionCache == null) {
                throw e;
            }
            // Retry even when the copy is already gone: a concurrent request may have evicted it after
            // this one read it, so "not cached now" does not mean "decided from the store".
            sessionCache.remove(sessionId);
            LOG.debug("Gap on cached session {}; deciding again from the store", sessionId);
            return appendOnce(sessionId, firstSequence, events);
        } catch (RuntimeException e) {
            if (!isStoreConflict(e)) {
                throw e;
            }
            if (sessionCache != null) {
                sessionCache.remove(sessionId);
            }
            LOG.debug("Store conflict on session {} at {}; deciding again from the store", sessionId, firstSequence);
            return appendOnce(sessionId, firstSequence, events);
        }
    }

    private BatchAck appendOnce(String sessionId, long firstSequence, List<EventEnvelope> events) {
        AppendOutcome outcome = commandGateway.sendAndWait(new AppendEventBatch(sessionId, firstSequence, events));
        if (outcome.snapshot() != null) {
            storeSnapshot(sessionId, outcome);
        }
        return outcome.ack();
    }

    /** A unique-key violation on (aggregate, sequence) or event id, however Axon wrapped it. */
    static boolean isStoreConflict(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ConcurrencyException) {
                return true;
            }
            if (t instanceof SQLException sql && "23505".equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Stores the live state the aggregate handed back, after its batch committed. Replaying the
     * session to build a snapshot cost more than half the append time (docs/benchmarks.md); a copy
     * of a few fields costs one small insert. A failure only means the next cold load replays more.
     */
    private void storeSnapshot(String sessionId, AppendOutcome outcome) {
        // The store's sequence, not the edge's: after a tier gap (ADR-0027) the edge's runs ahead.
        long lastSequence = outcome.snapshot().lastStoredSequence();
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
