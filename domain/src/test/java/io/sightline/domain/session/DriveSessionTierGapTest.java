package io.sightline.domain.session;

import static io.sightline.domain.session.SessionEvents.T0_NANOS;
import static io.sightline.domain.session.SessionEvents.at;
import static io.sightline.domain.session.SessionEvents.frame;
import static io.sightline.domain.session.SessionEvents.opening;

import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.EventMetadataKeys;
import io.sightline.domain.event.SightlineEvent;
import io.sightline.domain.event.TierGapDeclared;
import java.util.ArrayList;
import java.util.List;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.messaging.MetaData;
import org.axonframework.test.aggregate.AggregateTestFixture;
import org.axonframework.test.aggregate.FixtureConfiguration;
import org.hamcrest.Description;
import org.hamcrest.Matcher;
import org.hamcrest.TypeSafeMatcher;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Tier gaps (ADR-0027): declared holes, windows uploaded later, and gaps that are refused. */
class DriveSessionTierGapTest {

    private static final String S = "session-1";
    private static final long MS = 1_000_000L;
    private FixtureConfiguration<DriveSession> fixture;

    @BeforeEach
    void setUp() {
        fixture = new AggregateTestFixture<>(DriveSession.class);
    }

    /** A gap over edge sequences [from, to), the envelope at edge time T0 + from ms as {@link SessionEvents#at} dates events. */
    private static EventEnvelope gap(long from, long to) {
        return new EventEnvelope(S + "/tier-gap/" + from, from, T0_NANOS + from * MS,
                new TierGapDeclared(from, to, T0_NANOS + from * MS, T0_NANOS + (to - 1) * MS, 0.15, 0.02, 60_000_000_000L, 7));
    }

    private static EventEnvelope alert(long sequence) {
        return at(S, sequence, new AlertRaised("a" + sequence, "FORWARD_COLLISION", "WARNING", "t1", "policy-v1",
                T0_NANOS + sequence * MS, List.of("r1")));
    }

    /** Stored history as ingestion writes it: store sequences in order, the edge's in metadata where they differ. */
    private static List<DomainEventMessage<?>> stored(List<EventEnvelope> envelopes) {
        List<DomainEventMessage<?>> out = new ArrayList<>();
        for (EventEnvelope e : envelopes) {
            long storeSequence = out.size();
            MetaData meta = MetaData.with(EventMetadataKeys.EVENT_ID, e.eventId()).and(EventMetadataKeys.OCCURRED_AT_NANOS, e.occurredAtNanos());
            if (storeSequence != e.sequence()) {
                meta = meta.and(EventMetadataKeys.EDGE_SEQUENCE, e.sequence());
            }
            out.add(new GenericDomainEventMessage<>("DriveSession", S, storeSequence, e.payload(), meta));
        }
        return out;
    }

    private static List<EventEnvelope> concat(List<EventEnvelope> a, EventEnvelope... b) {
        List<EventEnvelope> out = new ArrayList<>(a);
        out.addAll(List.of(b));
        return out;
    }

    private static Object[] payloads(EventEnvelope... envelopes) {
        return java.util.Arrays.stream(envelopes).map(EventEnvelope::payload).toArray(SightlineEvent[]::new);
    }

    private static Matcher<Object> refusedAs(RejectionReason reason) {
        return new TypeSafeMatcher<>(Object.class) {
            @Override
            protected boolean matchesSafely(Object item) {
                return item instanceof BatchRejectedException r && r.reason() == reason;
            }

            @Override
            public void describeTo(Description d) {
                d.appendText("a batch refused as " + reason);
            }
        };
    }

    private static Matcher<Object> acknowledging(BatchAck ack) {
        return new TypeSafeMatcher<>(Object.class) {
            @Override
            protected boolean matchesSafely(Object item) {
                return item instanceof AppendOutcome o && o.ack().equals(ack);
            }

            @Override
            public void describeTo(Description d) {
                d.appendText("an outcome acknowledging " + ack);
            }
        };
    }

    @Test
    void aDeclaredGapCountsForTheSequencesItCoversAndTheSessionContinuesAfterIt() {
        EventEnvelope gap = gap(4, 100);
        EventEnvelope next = at(S, 100, frame(100));
        fixture.given(stored(opening(S, 4)))
                .when(new AppendEventBatch(S, 4, List.of(gap, next)))
                .expectEvents(payloads(gap, next))
                .expectResultMessagePayload(new AppendOutcome(new BatchAck(S, 4, 2, 0, 101), null));
    }

    @Test
    void theSameBatchAgainIsADuplicate() {
        EventEnvelope gap = gap(4, 100);
        EventEnvelope next = at(S, 100, frame(100));
        fixture.given(stored(concat(opening(S, 4), gap, next)))
                .when(new AppendEventBatch(S, 4, List.of(gap, next)))
                .expectNoEvents()
                .expectResultMessagePayload(new AppendOutcome(new BatchAck(S, 4, 0, 2, 101), null));
    }

    @Test
    void aWindowUploadedLaterFillsItsGapOnceAndTheLiveSessionStaysWhereItWas() {
        List<EventEnvelope> history = concat(opening(S, 4), gap(4, 100), at(S, 100, frame(100)));
        EventEnvelope f10 = at(S, 10, frame(10));
        EventEnvelope f11 = at(S, 11, frame(11));
        fixture.given(stored(history))
                .when(new AppendEventBatch(S, 10, List.of(f10, f11)))
                .expectEvents(payloads(f10, f11))
                .expectResultMessagePayloadMatching(acknowledging(new BatchAck(S, 10, 2, 0, 101)));
        fixture.given(stored(concat(history, f10, f11)))
                .when(new AppendEventBatch(S, 10, List.of(f10, f11)))
                .expectNoEvents()
                .expectResultMessagePayload(new AppendOutcome(new BatchAck(S, 10, 0, 2, 101), null));
    }

    @Test
    void aGapInsideAnEarlierAlertsWindowIsRefused() {
        fixture.given(stored(concat(opening(S, 4), alert(4))))
                .when(new AppendEventBatch(S, 5, List.of(gap(5, 50))))
                .expectNoEvents()
                .expectException(refusedAs(RejectionReason.TIER_GAP_UNJUSTIFIED));
    }

    @Test
    void anAlertWhoseWindowHoldsADeclaredGapIsRefused() {
        fixture.given(stored(opening(S, 4)))
                .when(new AppendEventBatch(S, 4, List.of(gap(4, 50), alert(50))))
                .expectNoEvents()
                .expectException(refusedAs(RejectionReason.TIER_GAP_UNJUSTIFIED));
    }

    @Test
    void aGapThatStraddlesTheSessionsEndIsRefused() {
        fixture.given(stored(concat(opening(S, 4), gap(4, 100))))
                .when(new AppendEventBatch(S, 4, List.of(gap(4, 120))))
                .expectNoEvents()
                .expectException(refusedAs(RejectionReason.TIER_GAP_UNJUSTIFIED));
    }
}
