package io.sightline.domain.session;

import static org.axonframework.modelling.command.AggregateLifecycle.apply;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import io.sightline.domain.event.DetectionObserved;
import io.sightline.domain.event.DriveSessionEnded;
import io.sightline.domain.event.DriveSessionStarted;
import io.sightline.domain.event.EventCatalog;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.EventMetadataKeys;
import io.sightline.domain.event.EdgeWindowSummarized;
import io.sightline.domain.event.ModelActivated;
import io.sightline.domain.event.SightlineEvent;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventsourcing.EventSourcingHandler;
import org.axonframework.messaging.MetaData;
import org.axonframework.modelling.command.AggregateCreationPolicy;
import org.axonframework.modelling.command.AggregateIdentifier;
import org.axonframework.modelling.command.CreationPolicy;
import org.axonframework.modelling.command.AggregateRoot;

/**
 * Owns ingestion of one drive session: the stored sequence equals the edge sequence, so a
 * duplicate is recognised, a gap refused, and PostgreSQL's unique (aggregate, sequence) key is the
 * last line of defence.
 *
 * <p>State is only what the rules need, so the aggregate stays cheap to cache and snapshot as a
 * session grows to millions of events. Only {@link EventSourcingHandler}s change it.
 */
@AggregateRoot
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY,
        getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE)
public class DriveSession {

    /** Bounds one unit of work: a larger batch would hold a long transaction and a large heap. */
    public static final int MAX_EVENTS_PER_BATCH = 10_000;
    /**
     * A snapshot is offered whenever a batch crosses a multiple of this many events. It is a copy of
     * the live state (a few fields), so it costs one small write instead of a replay.
     */
    public static final long SNAPSHOT_EVERY_EVENTS = 2_000;
    /** Aggregate ids with this suffix are the sessions' review logs (ADR-0006). */
    public static final String RESERVED_SUFFIX = "/reviews";

    @AggregateIdentifier
    private String sessionId;
    private long nextSequence;
    private long lastOccurredAtNanos = Long.MIN_VALUE;
    private boolean ended;
    /** sha256 of every model activated in the session. */
    private Set<String> activatedModelSha256 = new HashSet<>();

    /** For Axon and snapshot deserialisation. */
    protected DriveSession() {
    }

    @CommandHandler
    @CreationPolicy(AggregateCreationPolicy.CREATE_IF_MISSING)
    public AppendOutcome handle(AppendEventBatch command) {
        List<EventEnvelope> events = command.events();
        if (events.isEmpty() || events.size() > MAX_EVENTS_PER_BATCH) {
            throw new BatchRejectedException(RejectionReason.BATCH_SIZE, nextSequence, -1,
                    "a batch holds 1.." + MAX_EVENTS_PER_BATCH + " events, got " + events.size());
        }
        long first = command.firstSequence();
        for (int i = 0; i < events.size(); i++) {
            long expected = first + i;
            if (events.get(i).sequence() != expected) {
                throw new BatchRejectedException(RejectionReason.NON_CONTIGUOUS_BATCH, nextSequence, events.get(i).sequence(),
                        "event " + i + " of the batch has sequence " + events.get(i).sequence() + ", expected " + expected
                                + "; send consecutive events");
            }
        }
        if (first > nextSequence) {
            throw new BatchRejectedException(RejectionReason.SEQUENCE_GAP, nextSequence, first,
                    "session " + command.sessionId() + " expects sequence " + nextSequence + " next but the batch starts at "
                            + first + "; resend from " + nextSequence);
        }
        // Events below nextSequence are already stored: acknowledge them again, store only the rest.
        int skip = (int) Math.min(events.size(), nextSequence - first);
        if (skip == events.size()) {
            return new AppendOutcome(new BatchAck(command.sessionId(), first, 0, skip, nextSequence), null);
        }
        long nextBefore = nextSequence;
        validate(command.sessionId(), events, skip);
        for (int i = skip; i < events.size(); i++) {
            EventEnvelope envelope = events.get(i);
            Map<String, Object> metaData = new HashMap<>(4);
            metaData.put(EventMetadataKeys.EVENT_ID, envelope.eventId());
            metaData.put(EventMetadataKeys.OCCURRED_AT_NANOS, envelope.occurredAtNanos());
            if (envelope.traceparent() != null) {
                metaData.put(EventMetadataKeys.TRACEPARENT, envelope.traceparent());
            }
            apply(envelope.payload(), MetaData.from(metaData));
        }
        BatchAck ack = new BatchAck(command.sessionId(), first, events.size() - skip, skip, nextSequence);
        boolean crossed = nextSequence / SNAPSHOT_EVERY_EVENTS > nextBefore / SNAPSHOT_EVERY_EVENTS;
        return new AppendOutcome(ack, crossed ? snapshotCopy() : null);
    }

    /** A detached copy of the state after the last applied event, for the snapshot store. */
    private DriveSession snapshotCopy() {
        DriveSession copy = new DriveSession();
        copy.sessionId = sessionId;
        copy.nextSequence = nextSequence;
        copy.lastOccurredAtNanos = lastOccurredAtNanos;
        copy.ended = ended;
        copy.activatedModelSha256 = new HashSet<>(activatedModelSha256);
        return copy;
    }

    /** Checks the whole batch before anything is applied, so a refused batch stores nothing. */
    private void validate(String commandSessionId, List<EventEnvelope> events, int from) {
        long lastTime = lastOccurredAtNanos;
        boolean sessionEnded = ended;
        Set<String> models = null;
        for (int i = from; i < events.size(); i++) {
            EventEnvelope envelope = events.get(i);
            SightlineEvent payload = envelope.payload();
            long seq = envelope.sequence();
            if (seq == 0) {
                if (!(payload instanceof DriveSessionStarted started)) {
                    throw new BatchRejectedException(RejectionReason.SESSION_NOT_STARTED, nextSequence, seq,
                            "sequence 0 must be DriveSessionStarted, got " + EventCatalog.nameOf(payload));
                }
                if (commandSessionId.endsWith(RESERVED_SUFFIX)) {
                    throw new BatchRejectedException(RejectionReason.SESSION_MISMATCH, nextSequence, seq,
                            "session ids ending in '" + RESERVED_SUFFIX + "' name review logs (ADR-0006); choose another session id");
                }
                if (!commandSessionId.equals(started.sessionId())) {
                    throw new BatchRejectedException(RejectionReason.SESSION_MISMATCH, nextSequence, seq,
                            "DriveSessionStarted names session " + started.sessionId() + " but the batch targets " + commandSessionId);
                }
            } else if (payload instanceof DriveSessionStarted) {
                throw new BatchRejectedException(RejectionReason.SESSION_NOT_STARTED, nextSequence, seq,
                        "DriveSessionStarted may only be sequence 0, found at " + seq);
            }
            if (sessionEnded) {
                throw new BatchRejectedException(RejectionReason.SESSION_ENDED, nextSequence, seq,
                        "session " + commandSessionId + " already ended; start a new session");
            }
            if (envelope.occurredAtNanos() < lastTime) {
                throw new BatchRejectedException(RejectionReason.TIME_REGRESSION, nextSequence, seq,
                        "event at sequence " + seq + " occurred at " + envelope.occurredAtNanos()
                                + " ns, before the previous event at " + lastTime + " ns");
            }
            lastTime = envelope.occurredAtNanos();
            if (payload instanceof ModelActivated activated) {
                if (models == null) {
                    models = new HashSet<>(activatedModelSha256);
                }
                models.add(activated.modelSha256());
            } else if (payload instanceof DetectionObserved detection) {
                Set<String> known = models == null ? activatedModelSha256 : models;
                if (!known.contains(detection.modelSha256())) {
                    throw new BatchRejectedException(RejectionReason.UNACTIVATED_MODEL, nextSequence, seq,
                            "detection at sequence " + seq + " names model " + detection.modelName() + " (sha256 "
                                    + detection.modelSha256() + ") with no prior ModelActivated in this session");
                }
            } else if (payload instanceof EdgeWindowSummarized summary) {
                Set<String> known = models == null ? activatedModelSha256 : models;
                if (!known.contains(summary.modelSha256())) {
                    throw new BatchRejectedException(RejectionReason.UNACTIVATED_MODEL, nextSequence, seq,
                            "window summary at sequence " + seq + " names model sha256 " + summary.modelSha256()
                                    + " with no prior ModelActivated in this session");
                }
            } else if (payload instanceof DriveSessionEnded) {
                sessionEnded = true;
            }
        }
    }

    /**
     * One handler for every event: Axon invokes only the most specific handler per event, and every
     * event must advance the session's position.
     */
    @EventSourcingHandler
    void on(SightlineEvent payload, DomainEventMessage<?> message) {
        if (payload instanceof DriveSessionStarted started) {
            sessionId = started.sessionId();
        } else if (payload instanceof ModelActivated activated) {
            activatedModelSha256.add(activated.modelSha256());
        } else if (payload instanceof DriveSessionEnded) {
            ended = true;
        }
        nextSequence = message.getSequenceNumber() + 1;
        Object occurredAt = message.getMetaData().get(EventMetadataKeys.OCCURRED_AT_NANOS);
        if (occurredAt instanceof Number n) {
            lastOccurredAtNanos = n.longValue();
        }
    }

    public String sessionId() {
        return sessionId;
    }

    public long nextSequence() {
        return nextSequence;
    }
}
