package io.sightline.domain.review;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.domain.event.AlertReviewed;
import io.sightline.domain.event.EventMetadataKeys;
import io.sightline.domain.event.MissedEventReported;
import java.util.List;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.messaging.MetaData;
import org.axonframework.test.aggregate.AggregateTestFixture;
import org.axonframework.test.aggregate.FixtureConfiguration;
import org.hamcrest.Description;
import org.hamcrest.Matcher;
import org.hamcrest.TypeSafeMatcher;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The review log's rules, given/when/then: what it stores, under which id, and what it refuses. */
class SessionReviewLogTest {

    private static final String SESSION = "session-1";
    private static final String LOG = SessionReviewLog.idFor(SESSION);
    private static final long NOW_NANOS = 1_764_000_100_000_000_000L;
    private FixtureConfiguration<SessionReviewLog> fixture;

    @BeforeEach
    void setUp() {
        fixture = new AggregateTestFixture<>(SessionReviewLog.class);
    }

    private static ReviewAlert review(String eventId, String verdict) {
        return new ReviewAlert(LOG, eventId, SESSION + "/alert/1", SESSION + "/alert/1#raised", verdict, "ana@fleet-a", "seen on video",
                NOW_NANOS);
    }

    private static DomainEventMessage<?> stored(long sequence, Object payload, String eventId) {
        return new GenericDomainEventMessage<>("SessionReviewLog", LOG, sequence, payload,
                MetaData.with(EventMetadataKeys.EVENT_ID, eventId).and(EventMetadataKeys.OCCURRED_AT_NANOS, NOW_NANOS));
    }

    @Test
    void idsPairALogWithItsSessionOnly() {
        assertThat(LOG).isEqualTo("session-1/reviews");
        assertThat(SessionReviewLog.sessionIdOf(LOG)).contains(SESSION);
        assertThat(SessionReviewLog.sessionIdOf(SESSION)).as("a drive session id is no review log").isEmpty();
        assertThat(SessionReviewLog.sessionIdOf("/reviews")).as("no session before the suffix").isEmpty();
    }

    @Test
    void firstReviewCreatesTheLogAndCarriesTheCallersIdAndTheAlertAsCause() {
        fixture.givenNoPriorActivity()
                .when(review("rev-1", "FALSE_POSITIVE"))
                .expectSuccessfulHandlerExecution()
                .expectEvents(new AlertReviewed(SESSION + "/alert/1", "FALSE_POSITIVE", "ana@fleet-a", "seen on video", NOW_NANOS,
                        List.of(SESSION + "/alert/1#raised")))
                .expectState(log -> assertThat(log.reviewLogId()).isEqualTo(LOG));
    }

    /** Matches the events a command published: exactly one, as stored (sequence, aggregate id, metadata, payload). */
    private static Matcher<List<EventMessage<?>>> single(long sequence, String eventId, Object payload) {
        return new TypeSafeMatcher<>() {
            @Override
            protected boolean matchesSafely(List<EventMessage<?>> events) {
                return events.size() == 1 && events.get(0) instanceof DomainEventMessage<?> e
                        && e.getSequenceNumber() == sequence && LOG.equals(e.getAggregateIdentifier())
                        && eventId.equals(e.getMetaData().get(EventMetadataKeys.EVENT_ID))
                        && Long.valueOf(NOW_NANOS).equals(e.getMetaData().get(EventMetadataKeys.OCCURRED_AT_NANOS))
                        && payload.equals(e.getPayload());
            }

            @Override
            public void describeTo(Description description) {
                description.appendText("one event of " + LOG + " at sequence " + sequence + " with eventId " + eventId
                        + " and occurredAtNanos " + NOW_NANOS + ": " + payload);
            }
        };
    }

    @Test
    void storedEventsCarryTheEventIdAndTimeInMetadata() {
        fixture.givenNoPriorActivity()
                .when(review("rev-1", "UNSURE"))
                .expectEventsMatching(single(0, "rev-1", new AlertReviewed(SESSION + "/alert/1", "UNSURE", "ana@fleet-a", "seen on video",
                        NOW_NANOS, List.of(SESSION + "/alert/1#raised"))));
    }

    @Test
    void laterReviewOfTheSameAlertIsAppendedAfterTheHistory() {
        AlertReviewed first = new AlertReviewed(SESSION + "/alert/1", "UNSURE", "ana@fleet-a", null, NOW_NANOS,
                List.of(SESSION + "/alert/1#raised"));
        fixture.given(List.of(stored(0, first, "rev-1")))
                .when(review("rev-2", "TRUE_POSITIVE"))
                .expectEventsMatching(single(1, "rev-2", new AlertReviewed(SESSION + "/alert/1", "TRUE_POSITIVE", "ana@fleet-a",
                        "seen on video", NOW_NANOS, List.of(SESSION + "/alert/1#raised"))));
    }

    @Test
    void unknownVerdictIsRefusedAndNothingIsStored() {
        fixture.givenNoPriorActivity()
                .when(review("rev-1", "true_positive"))
                .expectException(IllegalArgumentException.class)
                .expectExceptionMessage("verdict 'true_positive' is not one of [TRUE_POSITIVE, FALSE_POSITIVE, UNSURE]")
                .expectNoEvents();
    }

    @Test
    void reviewWithoutReviewerOrAlertEventIsRefused() {
        fixture.givenNoPriorActivity()
                .when(new ReviewAlert(LOG, "rev-1", SESSION + "/alert/1", SESSION + "/alert/1", "UNSURE", " ", null, NOW_NANOS))
                .expectException(IllegalArgumentException.class)
                .expectExceptionMessage("reviewer is missing")
                .expectNoEvents();
        fixture.givenNoPriorActivity()
                .when(new ReviewAlert(LOG, "rev-1", SESSION + "/alert/1", null, "UNSURE", "ana", null, NOW_NANOS))
                .expectExceptionMessage("alertEventId is missing")
                .expectNoEvents();
    }

    @Test
    void oversizedNoteIsRefused() {
        fixture.givenNoPriorActivity()
                .when(new ReviewAlert(LOG, "rev-1", "a", "a", "UNSURE", "ana", "x".repeat(SessionReviewLog.MAX_NOTE_CHARS + 1), NOW_NANOS))
                .expectExceptionMessage("note is 4001 characters; at most 4000 are kept")
                .expectNoEvents();
    }

    @Test
    void logIdWithoutTheSuffixIsRefused() {
        // Otherwise a review could be appended to the DriveSession itself and take an edge sequence number.
        fixture.givenNoPriorActivity()
                .when(new ReviewAlert(SESSION, "rev-1", "a", "a", "UNSURE", "ana", null, NOW_NANOS))
                .expectException(IllegalArgumentException.class)
                .expectExceptionMessage("review log id must be '<sessionId>/reviews', got 'session-1'")
                .expectNoEvents();
    }

    @Test
    void missedEventIsReportedWithTheEventIdAsReportId() {
        fixture.givenNoPriorActivity()
                .when(new ReportMissedEvent(LOG, "rep-1", SESSION, "PEDESTRIAN_CROSSING", NOW_NANOS - 5_000_000_000L, "ana@fleet-a",
                        "child behind the bus", NOW_NANOS))
                .expectEvents(new MissedEventReported("rep-1", SESSION, "PEDESTRIAN_CROSSING", NOW_NANOS - 5_000_000_000L, "ana@fleet-a",
                        "child behind the bus", NOW_NANOS));
    }

    @Test
    void missedEventForAnotherSessionOrWithoutKindOrTimeIsRefused() {
        fixture.givenNoPriorActivity()
                .when(new ReportMissedEvent(LOG, "rep-1", "session-2", "PEDESTRIAN_CROSSING", NOW_NANOS, "ana", null, NOW_NANOS))
                .expectExceptionMessage("a report on session session-2 belongs in review log session-2/reviews, not session-1/reviews")
                .expectNoEvents();
        fixture.givenNoPriorActivity()
                .when(new ReportMissedEvent(LOG, "rep-1", SESSION, "", NOW_NANOS, "ana", null, NOW_NANOS))
                .expectExceptionMessage("kind is missing")
                .expectNoEvents();
        fixture.givenNoPriorActivity()
                .when(new ReportMissedEvent(LOG, "rep-1", SESSION, "K".repeat(65), NOW_NANOS, "ana", null, NOW_NANOS))
                .expectExceptionMessage("kind is 65 characters; at most 64 are kept")
                .expectNoEvents();
        fixture.givenNoPriorActivity()
                .when(new ReportMissedEvent(LOG, "rep-1", SESSION, "CUT_IN", 0, "ana", null, NOW_NANOS))
                .expectExceptionMessage("occurredAtNanos must be epoch nanoseconds > 0, got 0")
                .expectNoEvents();
    }
}
