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
import io.sightline.domain.event.TierGapDeclared;
import io.sightline.domain.evidence.AlertWindow;
import java.util.ArrayList;
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
 * <p>With upload tiers (ADR-0027) the edge declares the ranges it did not upload
 * ({@link TierGapDeclared}); the session's edge sequence then runs ahead of the store's, the edge
 * sequence of each later event is in its metadata, and a window uploaded later fills its declared
 * gap, gap-free in itself.
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
    /**
     * Events stored so far, which is Axon's next sequence; -1 in a snapshot from before tier gaps,
     * when it always equalled {@link #nextSequence}. After a tier gap the edge's sequence runs ahead.
     */
    private long storedCount = -1;
    /** Declared tier gaps not yet filled by a window uploaded later: [from, to) edge sequences. */
    private List<Range> unfilled = new ArrayList<>();

    /** Edge sequences [from, to). */
    record Range(long from, long to) {
    }
    private long lastAlertNanos = Long.MIN_VALUE;
    private long lastGapToNanos = Long.MIN_VALUE;

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
        long expected = first;
        for (int i = 0; i < events.size(); i++) {
            EventEnvelope e = events.get(i);
            if (e.sequence() != expected) {
                throw new BatchRejectedException(RejectionReason.NON_CONTIGUOUS_BATCH, nextSequence, e.sequence(),
                        "event " + i + " of the batch has sequence " + e.sequence() + ", expected " + expected
                                + "; send consecutive events");
            }
            if (e.payload() instanceof TierGapDeclared gap && gap.fromSequence() != e.sequence()) {
                throw new BatchRejectedException(RejectionReason.TIER_GAP_UNJUSTIFIED, nextSequence, e.sequence(),
                        "the tier gap at sequence " + e.sequence() + " claims to start at " + gap.fromSequence());
            }
            expected += span(e);
        }
        if (first > nextSequence) {
            throw new BatchRejectedException(RejectionReason.SEQUENCE_GAP, nextSequence, first,
                    "session " + command.sessionId() + " expects sequence " + nextSequence + " next but the batch starts at "
                            + first + "; resend from " + nextSequence);
        }
        // Below nextSequence an event is either stored already (acknowledge it again) or inside a declared
        // tier gap (a window uploaded later: store it); from nextSequence on, the batch continues the session.
        List<EventEnvelope> fills = new ArrayList<>();
        int live = events.size();
        for (int i = 0; i < events.size(); i++) {
            EventEnvelope e = events.get(i);
            if (e.sequence() >= nextSequence) {
                live = i;
                break;
            }
            if (e.sequence() + span(e) > nextSequence) {
                throw new BatchRejectedException(RejectionReason.TIER_GAP_UNJUSTIFIED, nextSequence, e.sequence(),
                        "the tier gap " + e.sequence() + ".." + (e.sequence() + span(e)) + " straddles the session's end at "
                                + nextSequence + "; a gap is declared once, with the same bounds on every resend");
            }
            if (!(e.payload() instanceof TierGapDeclared) && unfilledContains(e.sequence())) {
                fills.add(e);
            }
        }
        int duplicates = live - fills.size();
        if (fills.isEmpty() && live == events.size()) {
            return new AppendOutcome(new BatchAck(command.sessionId(), first, 0, duplicates, nextSequence), null);
        }
        long nextBefore = nextSequence;
        validateFills(fills);
        validate(command.sessionId(), events, live);
        long storeSequence = storedCount < 0 ? nextSequence : storedCount;
        for (EventEnvelope envelope : fills) {
            apply(envelope.payload(), metaData(envelope, storeSequence++, true));
        }
        for (int i = live; i < events.size(); i++) {
            EventEnvelope envelope = events.get(i);
            // Once a session has a gap every event names its edge sequence, even where the two happen to agree again,
            // so that readers know from any one event whether the store is in the edge's order.
            boolean tiered = lastGapToNanos != Long.MIN_VALUE || envelope.payload() instanceof TierGapDeclared;
            apply(envelope.payload(), metaData(envelope, storeSequence++, tiered));
        }
        BatchAck ack = new BatchAck(command.sessionId(), first, events.size() - duplicates, duplicates, nextSequence);
        boolean crossed = nextSequence / SNAPSHOT_EVERY_EVENTS > nextBefore / SNAPSHOT_EVERY_EVENTS || !fills.isEmpty();
        return new AppendOutcome(ack, crossed ? snapshotCopy() : null);
    }

    /** How many edge sequences an element of a batch stands for. */
    private static long span(EventEnvelope e) {
        return e.payload() instanceof TierGapDeclared gap ? gap.eventCount() : 1;
    }

    private static MetaData metaData(EventEnvelope envelope, long storeSequence, boolean tiered) {
        Map<String, Object> metaData = new HashMap<>(6);
        metaData.put(EventMetadataKeys.EVENT_ID, envelope.eventId());
        metaData.put(EventMetadataKeys.OCCURRED_AT_NANOS, envelope.occurredAtNanos());
        if (envelope.traceparent() != null) {
            metaData.put(EventMetadataKeys.TRACEPARENT, envelope.traceparent());
        }
        if (tiered || envelope.sequence() != storeSequence) {
            metaData.put(EventMetadataKeys.EDGE_SEQUENCE, envelope.sequence());
        }
        return MetaData.from(metaData);
    }

    private boolean unfilledContains(long sequence) {
        for (Range range : unfilled) {
            if (sequence >= range.from() && sequence < range.to()) {
                return true;
            }
        }
        return false;
    }

    /**
     * A window uploaded later fills part of a declared gap: its events must be consecutive in edge
     * sequence and time among themselves. They are older than the session's end, so the session's
     * time rule and its end do not apply to them.
     */
    private void validateFills(List<EventEnvelope> fills) {
        Set<String> models = activatedModelSha256;
        for (int i = 1; i < fills.size(); i++) {
            EventEnvelope previous = fills.get(i - 1);
            EventEnvelope e = fills.get(i);
            if (e.sequence() != previous.sequence() + 1) {
                throw new BatchRejectedException(RejectionReason.NON_CONTIGUOUS_BATCH, nextSequence, e.sequence(),
                        "an uploaded window is gap-free: sequence " + e.sequence() + " follows " + previous.sequence()
                                + ", but the events between are already stored or were never declared missing");
            }
            if (e.occurredAtNanos() < previous.occurredAtNanos()) {
                throw new BatchRejectedException(RejectionReason.TIME_REGRESSION, nextSequence, e.sequence(),
                        "event at sequence " + e.sequence() + " occurred before the previous event of its window");
            }
        }
        for (EventEnvelope e : fills) {
            if (e.payload() instanceof DetectionObserved d && !models.contains(d.modelSha256())) {
                throw new BatchRejectedException(RejectionReason.UNACTIVATED_MODEL, nextSequence, e.sequence(),
                        "detection at sequence " + e.sequence() + " names model sha256 " + d.modelSha256()
                                + " with no ModelActivated in this session");
            }
            if (e.payload() instanceof DriveSessionStarted || e.payload() instanceof TierGapDeclared) {
                throw new BatchRejectedException(RejectionReason.TIER_GAP_UNJUSTIFIED, nextSequence, e.sequence(),
                        EventCatalog.nameOf(e.payload()) + " cannot fill a tier gap");
            }
        }
    }

    /** A detached copy of the state after the last applied event, for the snapshot store. */
    private DriveSession snapshotCopy() {
        DriveSession copy = new DriveSession();
        copy.sessionId = sessionId;
        copy.nextSequence = nextSequence;
        copy.storedCount = storedCount;
        copy.lastOccurredAtNanos = lastOccurredAtNanos;
        copy.ended = ended;
        copy.activatedModelSha256 = new HashSet<>(activatedModelSha256);
        copy.unfilled = new ArrayList<>(unfilled);
        copy.lastAlertNanos = lastAlertNanos;
        copy.lastGapToNanos = lastGapToNanos;
        return copy;
    }

    /** Checks the whole batch before anything is applied, so a refused batch stores nothing. */
    private void validate(String commandSessionId, List<EventEnvelope> events, int from) {
        long lastTime = lastOccurredAtNanos;
        boolean sessionEnded = ended;
        long lastAlert = lastAlertNanos;
        long lastGapTo = lastGapToNanos;
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
            if (payload instanceof TierGapDeclared gap) {
                if (envelope.occurredAtNanos() != gap.fromNanos()) {
                    throw new BatchRejectedException(RejectionReason.TIER_GAP_UNJUSTIFIED, nextSequence, seq,
                            "the tier gap at sequence " + seq + " must occur at its fromNanos");
                }
                if (lastAlert != Long.MIN_VALUE && AlertWindow.toNanos(lastAlert) >= gap.fromNanos()) {
                    throw new BatchRejectedException(RejectionReason.TIER_GAP_UNJUSTIFIED, nextSequence, seq,
                            "the tier gap " + gap.fromSequence() + ".." + gap.toSequence() + " starts at " + gap.fromNanos()
                                    + " ns, inside the causal window of the alert at " + lastAlert
                                    + " ns; an alert's window is always uploaded in full");
                }
                lastGapTo = gap.toNanos();
                lastTime = gap.toNanos();
            } else if (payload instanceof io.sightline.domain.event.AlertRaised) {
                if (lastGapTo != Long.MIN_VALUE && AlertWindow.fromNanos(envelope.occurredAtNanos()) <= lastGapTo) {
                    throw new BatchRejectedException(RejectionReason.TIER_GAP_UNJUSTIFIED, nextSequence, seq,
                            "the alert at sequence " + seq + " (" + envelope.occurredAtNanos() + " ns) has a declared tier gap"
                                    + " ending at " + lastGapTo + " ns inside its causal window; an alert's window is always"
                                    + " uploaded in full");
                }
                lastAlert = envelope.occurredAtNanos();
            }
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
            } else if (payload instanceof io.sightline.domain.event.ShadowDetectionsObserved shadow) {
                Set<String> known = models == null ? activatedModelSha256 : models;
                if (!known.contains(shadow.modelSha256())) {
                    throw new BatchRejectedException(RejectionReason.UNACTIVATED_MODEL, nextSequence, seq,
                            "shadow detections at sequence " + seq + " name model " + shadow.modelName() + " (sha256 "
                                    + shadow.modelSha256() + ") with no prior ModelActivated in this session");
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
     * event must advance the session's position (or, for a window uploaded later, fill its gap).
     */
    @EventSourcingHandler
    void on(SightlineEvent payload, DomainEventMessage<?> message) {
        long storeSequence = message.getSequenceNumber();
        Object edge = message.getMetaData().get(EventMetadataKeys.EDGE_SEQUENCE);
        long edgeSequence = edge instanceof Number n ? n.longValue() : storeSequence;
        storedCount = storeSequence + 1;
        if (payload instanceof DriveSessionStarted started) {
            sessionId = started.sessionId();
        } else if (payload instanceof ModelActivated activated) {
            activatedModelSha256.add(activated.modelSha256());
        }
        if (payload instanceof TierGapDeclared gap) {
            unfilled.add(new Range(gap.fromSequence(), gap.toSequence()));
            nextSequence = Math.max(nextSequence, gap.toSequence());
            lastGapToNanos = gap.toNanos();
            lastOccurredAtNanos = Math.max(lastOccurredAtNanos, gap.toNanos());
            return;
        }
        if (edgeSequence < nextSequence) {
            fill(edgeSequence);
            return;
        }
        if (payload instanceof DriveSessionEnded) {
            ended = true;
        }
        nextSequence = edgeSequence + 1;
        Object occurredAt = message.getMetaData().get(EventMetadataKeys.OCCURRED_AT_NANOS);
        if (occurredAt instanceof Number n) {
            lastOccurredAtNanos = n.longValue();
            if (payload instanceof io.sightline.domain.event.AlertRaised) {
                lastAlertNanos = n.longValue();
            }
        }
    }

    /** Takes one sequence out of the declared gap that holds it. */
    private void fill(long sequence) {
        for (int i = 0; i < unfilled.size(); i++) {
            Range range = unfilled.get(i);
            if (sequence >= range.from() && sequence < range.to()) {
                unfilled.remove(i);
                if (sequence + 1 < range.to()) {
                    unfilled.add(i, new Range(sequence + 1, range.to()));
                }
                if (range.from() < sequence) {
                    unfilled.add(i, new Range(range.from(), sequence));
                }
                return;
            }
        }
    }

    public String sessionId() {
        return sessionId;
    }

    public long nextSequence() {
        return nextSequence;
    }

    /** The store (Axon) sequence of the last event applied, which a snapshot must carry; behind the edge's after a tier gap. */
    public long lastStoredSequence() {
        return (storedCount < 0 ? nextSequence : storedCount) - 1;
    }
}
