package io.sightline.domain.session;

import static io.sightline.domain.session.SessionEvents.YOLOX_SHA;
import static io.sightline.domain.session.SessionEvents.at;
import static io.sightline.domain.session.SessionEvents.detection;
import static io.sightline.domain.session.SessionEvents.frame;
import static io.sightline.domain.session.SessionEvents.opening;
import static io.sightline.domain.session.SessionEvents.started;

import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.EventMetadataKeys;
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

/** Every ingestion rule of the DriveSession aggregate, given/when/then. */
class DriveSessionTest {

    private static final String S = "session-1";
    private FixtureConfiguration<DriveSession> fixture;

    @BeforeEach
    void setUp() {
        fixture = new AggregateTestFixture<>(DriveSession.class);
    }

    /** Stored history for the fixture: domain messages carrying the same metadata ingestion writes. */
    private static List<DomainEventMessage<?>> stored(List<EventEnvelope> envelopes) {
        return envelopes.stream().<DomainEventMessage<?>>map(e -> new GenericDomainEventMessage<>("DriveSession", S, e.sequence(),
                e.payload(), MetaData.with(EventMetadataKeys.EVENT_ID, e.eventId())
                        .and(EventMetadataKeys.OCCURRED_AT_NANOS, e.occurredAtNanos()))).toList();
    }

    private static Object[] payloads(List<EventEnvelope> envelopes) {
        return envelopes.stream().map(EventEnvelope::payload).toArray();
    }

    @Test
    void firstBatchStartsTheSessionAndStoresEveryEventInOrder() {
        List<EventEnvelope> batch = opening(S, 6);
        fixture.givenNoPriorActivity()
                .when(new AppendEventBatch(S, 0, batch))
                .expectSuccessfulHandlerExecution()
                .expectEvents(payloads(batch))
                .expectResultMessagePayload(new AppendOutcome(new BatchAck(S, 0, 6, 0, 6), null));
    }

    @Test
    void nextContiguousBatchIsAppended() {
        List<EventEnvelope> history = opening(S, 4);
        List<EventEnvelope> next = List.of(at(S, 4, frame(4)), at(S, 5, detection(4, YOLOX_SHA, S + ":4")));
        fixture.given(stored(history))
                .when(new AppendEventBatch(S, 4, next))
                .expectEvents(payloads(next))
                .expectResultMessagePayload(new AppendOutcome(new BatchAck(S, 4, 2, 0, 6), null));
    }

    @Test
    void duplicateBatchIsAcknowledgedAndStoresNothing() {
        List<EventEnvelope> history = opening(S, 6);
        fixture.given(stored(history))
                .when(new AppendEventBatch(S, 2, history.subList(2, 6)))
                .expectNoEvents()
                .expectResultMessagePayload(new AppendOutcome(new BatchAck(S, 2, 0, 4, 6), null));
    }

    @Test
    void overlappingBatchStoresOnlyTheNewTail() {
        List<EventEnvelope> all = opening(S, 8);
        fixture.given(stored(all.subList(0, 6)))
                .when(new AppendEventBatch(S, 4, all.subList(4, 8)))
                .expectEvents(payloads(all.subList(6, 8)))
                .expectResultMessagePayload(new AppendOutcome(new BatchAck(S, 4, 2, 2, 8), null));
    }

    @Test
    void gapIsRefusedWithTheNextExpectedSequence() {
        List<EventEnvelope> all = opening(S, 10);
        fixture.given(stored(all.subList(0, 4)))
                .when(new AppendEventBatch(S, 6, all.subList(6, 10)))
                .expectNoEvents()
                .expectException(BatchRejectedException.class)
                .expectExceptionMessage("SEQUENCE_GAP: session session-1 expects sequence 4 next but the batch starts at 6; resend from 4")
                .expectException(rejectedWith(RejectionReason.SEQUENCE_GAP, 4));
    }

    @Test
    void nonConsecutiveSequencesInsideABatchAreRefused() {
        List<EventEnvelope> all = opening(S, 6);
        fixture.givenNoPriorActivity()
                .when(new AppendEventBatch(S, 0, List.of(all.get(0), all.get(1), all.get(3))))
                .expectNoEvents()
                .expectException(BatchRejectedException.class)
                .expectExceptionMessage("NON_CONTIGUOUS_BATCH: event 2 of the batch has sequence 3, expected 2; send consecutive events");
    }

    @Test
    void timeGoingBackwardsIsRefusedAndNothingOfTheBatchIsStored() {
        List<EventEnvelope> history = opening(S, 4);
        EventEnvelope ok = at(S, 4, frame(4));
        EventEnvelope backwards = new EventEnvelope(S + ":5", 5, history.get(3).occurredAtNanos() - 1, frame(5));
        fixture.given(stored(history))
                .when(new AppendEventBatch(S, 4, List.of(ok, backwards)))
                .expectNoEvents()
                .expectException(BatchRejectedException.class)
                .expectExceptionMessage(org.hamcrest.Matchers.startsWith("TIME_REGRESSION: event at sequence 5 occurred at"));
    }

    @Test
    void timeGoingBackwardsAcrossBatchesIsRefused() {
        List<EventEnvelope> history = opening(S, 4);
        EventEnvelope backwards = new EventEnvelope(S + ":4", 4, history.get(3).occurredAtNanos() - 1_000, frame(4));
        fixture.given(stored(history))
                .when(new AppendEventBatch(S, 4, List.of(backwards)))
                .expectNoEvents()
                .expectException(BatchRejectedException.class)
                .expectExceptionMessage(org.hamcrest.Matchers.startsWith("TIME_REGRESSION"));
    }

    @Test
    void detectionNamingAnUnactivatedModelIsRefused() {
        List<EventEnvelope> batch = List.of(
                at(S, 0, started(S)),
                at(S, 1, frame(1)),
                at(S, 2, detection(1, "ffff" + YOLOX_SHA.substring(4), S + ":1")));
        fixture.givenNoPriorActivity()
                .when(new AppendEventBatch(S, 0, batch))
                .expectNoEvents()
                .expectException(BatchRejectedException.class)
                .expectExceptionMessage(org.hamcrest.Matchers.startsWith(
                        "UNACTIVATED_MODEL: detection at sequence 2 names model yolox-nano (sha256 ffff"));
    }

    private static io.sightline.domain.event.EdgeWindowSummarized summary(String modelSha256) {
        return new io.sightline.domain.event.EdgeWindowSummarized(S, 0, 1, 1, 0, 0, 1, 1, 0, modelSha256, List.of(), null, 0, List.of(),
                List.of(0L, 0L, 0L, 0L, 0L, 0L, 0L), List.of(S + ":1"));
    }

    @Test
    void aWindowSummaryMustNameAnActivatedModel() {
        List<EventEnvelope> history = opening(S, 2);
        fixture.given(stored(history))
                .when(new AppendEventBatch(S, 2, List.of(at(S, 2, summary("ffff" + YOLOX_SHA.substring(4))))))
                .expectNoEvents()
                .expectException(BatchRejectedException.class)
                .expectExceptionMessage(org.hamcrest.Matchers.startsWith("UNACTIVATED_MODEL: window summary at sequence 2 names model sha256 ffff"));
        List<EventEnvelope> ok = List.of(at(S, 2, summary(YOLOX_SHA)));
        fixture.given(stored(history))
                .when(new AppendEventBatch(S, 2, ok))
                .expectEvents(payloads(ok));
    }

    @Test
    void modelActivatedInAnEarlierBatchIsRemembered() {
        List<EventEnvelope> history = opening(S, 2);
        List<EventEnvelope> next = List.of(at(S, 2, frame(2)), at(S, 3, detection(2, YOLOX_SHA, S + ":2")));
        fixture.given(stored(history))
                .when(new AppendEventBatch(S, 2, next))
                .expectEvents(payloads(next));
    }

    @Test
    void sessionMustStartWithDriveSessionStarted() {
        fixture.givenNoPriorActivity()
                .when(new AppendEventBatch(S, 0, List.of(at(S, 0, frame(0)))))
                .expectNoEvents()
                .expectException(BatchRejectedException.class)
                .expectExceptionMessage("SESSION_NOT_STARTED: sequence 0 must be DriveSessionStarted, got FrameCaptured");
    }

    @Test
    void startedEventMustNameTheTargetSession() {
        fixture.givenNoPriorActivity()
                .when(new AppendEventBatch(S, 0, List.of(at(S, 0, started("other")))))
                .expectNoEvents()
                .expectExceptionMessage("SESSION_MISMATCH: DriveSessionStarted names session other but the batch targets session-1");
    }

    @Test
    void nothingIsAcceptedAfterTheSessionEnded() {
        List<EventEnvelope> history = new java.util.ArrayList<>(opening(S, 3));
        history.add(at(S, 3, SessionEvents.ended(S)));
        fixture.given(stored(history))
                .when(new AppendEventBatch(S, 4, List.of(at(S, 4, frame(4)))))
                .expectNoEvents()
                .expectExceptionMessage("SESSION_ENDED: session session-1 already ended; start a new session");
    }

    @Test
    void crossingASnapshotBoundaryOffersACopyOfTheLiveState() {
        List<EventEnvelope> all = opening(S, (int) DriveSession.SNAPSHOT_EVERY_EVENTS + 2);
        int split = (int) DriveSession.SNAPSHOT_EVERY_EVENTS - 2;
        fixture.given(stored(all.subList(0, split)))
                .when(new AppendEventBatch(S, split, all.subList(split, all.size())))
                .expectResultMessagePayloadMatching(new TypeSafeMatcher<AppendOutcome>() {
                    @Override
                    protected boolean matchesSafely(AppendOutcome outcome) {
                        return outcome.snapshot() != null && outcome.snapshot().nextSequence() == all.size()
                                && S.equals(outcome.snapshot().sessionId());
                    }

                    @Override
                    public void describeTo(Description description) {
                        description.appendText("a snapshot at next sequence " + all.size());
                    }
                });
    }

    @Test
    void noSnapshotIsOfferedInsideOneSnapshotInterval() {
        List<EventEnvelope> all = opening(S, 40);
        fixture.given(stored(all.subList(0, 20)))
                .when(new AppendEventBatch(S, 20, all.subList(20, 40)))
                .expectResultMessagePayload(new AppendOutcome(new BatchAck(S, 20, 20, 0, 40), null));
    }

    @Test
    void sessionIdsReservedForReviewLogsAreRefused() {
        String reserved = "s-1/reviews";
        fixture.givenNoPriorActivity()
                .when(new AppendEventBatch(reserved, 0, List.of(at(reserved, 0, started(reserved)))))
                .expectNoEvents()
                .expectExceptionMessage(org.hamcrest.Matchers.startsWith("SESSION_MISMATCH: session ids ending in '/reviews'"));
    }

    @Test
    void emptyBatchIsRefused() {
        fixture.given(stored(opening(S, 3)))
                .when(new AppendEventBatch(S, 3, List.of()))
                .expectNoEvents()
                .expectExceptionMessage("BATCH_SIZE: a batch holds 1..10000 events, got 0");
    }

    /** Matches a rejection by its reason and the sequence it tells the edge to resend from. */
    private static Matcher<Object> rejectedWith(RejectionReason reason, long nextExpected) {
        return new TypeSafeMatcher<>() {
            @Override
            protected boolean matchesSafely(Object item) {
                return item instanceof BatchRejectedException r && r.reason() == reason && r.nextExpectedSequence() == nextExpected;
            }

            @Override
            public void describeTo(Description description) {
                description.appendText("BatchRejectedException " + reason + " with nextExpectedSequence " + nextExpected);
            }
        };
    }
}
