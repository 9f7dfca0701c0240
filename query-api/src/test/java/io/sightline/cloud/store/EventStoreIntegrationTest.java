package io.sightline.cloud.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sightline.cloud.ingest.IngestionService;
import io.sightline.cloud.testing.CloudIntegrationTest;
import io.sightline.domain.event.BoxPx;
import io.sightline.domain.event.CameraCalibration;
import io.sightline.domain.event.DetectionObserved;
import io.sightline.domain.event.DriveSessionStarted;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.FrameCaptured;
import io.sightline.domain.event.ModelActivated;
import io.sightline.domain.event.SightlineEvent;
import io.sightline.domain.session.BatchAck;
import io.sightline.domain.session.BatchRejectedException;
import io.sightline.domain.session.RejectionReason;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.axonframework.common.transaction.TransactionManager;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventsourcing.eventstore.EventStorageEngine;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.axonframework.eventsourcing.eventstore.jdbc.JdbcEventStorageEngine;
import org.axonframework.spring.messaging.unitofwork.SpringTransactionManager;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/** The real Axon JDBC store on a real PostgreSQL: wiring, ingestion rules, bad input, upcasting, snapshots. */
@CloudIntegrationTest
class EventStoreIntegrationTest {

    private static final String YOLOX_SHA = "695e750a5d5754bb5a8d5325643b59282191a7e7a564e435a415fd3c578eab14";
    private static final long T0 = 1_764_000_000_000_000_000L;

    @Autowired
    TransactionManager axonTransactionManager;
    @Autowired
    EventStorageEngine storageEngine;
    @Autowired
    EventStore eventStore;
    @Autowired
    IngestionService ingestion;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    org.axonframework.common.caching.Cache driveSessionCache;

    static EventEnvelope env(String session, long seq, SightlineEvent payload) {
        return new EventEnvelope(session + "/" + seq, seq, T0 + seq * 1_000_000L, payload);
    }

    static List<EventEnvelope> session(String id, int n) {
        List<EventEnvelope> out = new ArrayList<>();
        out.add(env(id, 0, new DriveSessionStarted(id, "fleet-a", "veh-1", "dev-1", "0.1.0", T0,
                new CameraCalibration("cal", 700, 700, 480, 270, 960, 540, 1.3, 0, true), "policy-v1", Map.of("fcw.ttcWarnS", 2.1))));
        out.add(env(id, 1, new ModelActivated("yolox-nano", "0.1.1rc0", YOLOX_SHA, "primary", "images", List.of(1, 3, 416, 416),
                "NCHW", "BGR 0..255", "yolox", List.of("person", "car"), "Apache-2.0", "src", T0)));
        for (int seq = 2; seq < n; seq++) {
            out.add(env(id, seq, seq % 2 == 0
                    ? new FrameCaptured("f" + seq, seq, seq * 40_000_000L, 960, 540, "clip.mp4")
                    : new DetectionObserved("d" + seq, "f" + (seq - 1), 2, "car", 0.9, new BoxPx(1, 2, 30, 40), "yolox-nano",
                            "0.1.1rc0", YOLOX_SHA, List.of(id + "/" + (seq - 1)))));
        }
        return out;
    }

    long rows(String session) {
        return jdbc.queryForObject("select count(*) from domain_event_entry where aggregate_identifier = ?", Long.class, session);
    }

    @Test
    void axonUsesSpringTransactionsAndTheJdbcStorageEngine() {
        assertThat(axonTransactionManager).isInstanceOf(SpringTransactionManager.class);
        assertThat(storageEngine).isInstanceOf(JdbcEventStorageEngine.class);
        assertThat(jdbc.queryForObject("select count(*) from flyway_schema_history where success", Integer.class)).isGreaterThanOrEqualTo(2);
    }

    @Test
    void storedEventsKeepTheProducersIdsSequenceAndRevision() {
        List<EventEnvelope> events = session("s-ids", 6);
        BatchAck ack = ingestion.append("s-ids", 0, events);
        assertThat(ack).isEqualTo(new BatchAck("s-ids", 0, 6, 0, 6));
        List<Map<String, Object>> stored = jdbc.queryForList(
                "select event_identifier, sequence_number, payload_type, payload_revision from domain_event_entry"
                        + " where aggregate_identifier = 's-ids' order by global_index");
        assertThat(stored).extracting(r -> r.get("event_identifier"))
                .containsExactly("s-ids/0", "s-ids/1", "s-ids/2", "s-ids/3", "s-ids/4", "s-ids/5");
        assertThat(stored).extracting(r -> ((Number) r.get("sequence_number")).longValue()).containsExactly(0L, 1L, 2L, 3L, 4L, 5L);
        // Each payload is stored under its class's current @Revision (FrameCaptured is at 2, ADR-0008).
        assertThat(stored).allSatisfy(r -> assertThat(r.get("payload_revision")).isEqualTo(
                revisionOf((String) r.get("payload_type"))));
        assertThat(stored.get(2).get("payload_revision")).isEqualTo("2");
        assertThat(stored.get(3).get("payload_type")).isEqualTo(DetectionObserved.class.getName());
    }

    @Test
    void traceparentIsStoredInTheEventMetadata() {
        List<EventEnvelope> events = new ArrayList<>(session("s-trace", 2));
        String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        events.add(new EventEnvelope("s-trace/2", 2, T0 + 2_000_000L, new FrameCaptured("f2", 2, 80_000_000L, 960, 540, "clip.mp4"),
                traceparent));
        ingestion.append("s-trace", 0, events);
        DomainEventMessage<?> stored = eventStore.readEvents("s-trace").asStream().toList().get(2);
        assertThat(stored.getMetaData()).containsEntry("traceparent", traceparent).containsEntry("eventId", "s-trace/2");
        assertThat(stored.getIdentifier()).isEqualTo("s-trace/2");
    }

    @Test
    void duplicateIsAcknowledgedAndGapRefusedAgainstTheRealStore() {
        List<EventEnvelope> events = session("s-dup", 10);
        ingestion.append("s-dup", 0, events.subList(0, 6));
        BatchAck again = ingestion.append("s-dup", 0, events.subList(0, 6));
        assertThat(again.storedCount()).isZero();
        assertThat(again.duplicateCount()).isEqualTo(6);
        assertThat(again.nextExpectedSequence()).isEqualTo(6);
        assertThat(rows("s-dup")).isEqualTo(6);

        assertThatThrownBy(() -> ingestion.append("s-dup", 8, events.subList(8, 10)))
                .isInstanceOfSatisfying(BatchRejectedException.class, e -> {
                    assertThat(e.reason()).isEqualTo(RejectionReason.SEQUENCE_GAP);
                    assertThat(e.nextExpectedSequence()).isEqualTo(6);
                });
        assertThat(rows("s-dup")).isEqualTo(6);
        assertThat(ingestion.append("s-dup", 6, events.subList(6, 10)).nextExpectedSequence()).isEqualTo(10);
        assertThat(rows("s-dup")).isEqualTo(10);
    }

    @Test
    void timeRegressionAndUnactivatedModelStoreNothing() {
        List<EventEnvelope> events = session("s-bad", 4);
        ingestion.append("s-bad", 0, events);
        EventEnvelope backwards = new EventEnvelope("s-bad/4", 4, T0, new FrameCaptured("f4", 4, 1, 960, 540, "clip.mp4"));
        assertThatThrownBy(() -> ingestion.append("s-bad", 4, List.of(backwards)))
                .isInstanceOfSatisfying(BatchRejectedException.class, e -> assertThat(e.reason()).isEqualTo(RejectionReason.TIME_REGRESSION));
        EventEnvelope frame = env("s-bad", 4, new FrameCaptured("f4", 4, 4, 960, 540, "clip.mp4"));
        EventEnvelope unknownModel = env("s-bad", 5, new DetectionObserved("d5", "f4", 2, "car", 0.9, new BoxPx(1, 2, 3, 4),
                "other", "1", "0".repeat(64), List.of("s-bad/4")));
        assertThatThrownBy(() -> ingestion.append("s-bad", 4, List.of(frame, unknownModel)))
                .isInstanceOfSatisfying(BatchRejectedException.class, e -> assertThat(e.reason()).isEqualTo(RejectionReason.UNACTIVATED_MODEL));
        assertThat(rows("s-bad")).isEqualTo(4);
    }

    @Test
    void unknownTypeAndMissingFieldAreRefusedBeforeAnythingIsStored() {
        ingestion.append("s-wire", 0, session("s-wire", 2));
        String unknownType = "[{\"eventId\":\"s-wire/2\",\"sequence\":2,\"occurredAtNanos\":" + (T0 + 5_000_000L)
                + ",\"type\":\"TeleportObserved\",\"payload\":{}}]";
        assertThatThrownBy(() -> ingestion.appendJson("s-wire", 2, unknownType))
                .isInstanceOfSatisfying(BatchRejectedException.class, e -> {
                    assertThat(e.reason()).isEqualTo(RejectionReason.MALFORMED_EVENT);
                    assertThat(e.getMessage()).contains("unknown type 'TeleportObserved'");
                });
        String missingField = "[{\"eventId\":\"s-wire/2\",\"sequence\":2,\"occurredAtNanos\":" + (T0 + 5_000_000L)
                + ",\"type\":\"FrameCaptured\",\"payload\":{\"frameId\":\"f2\",\"frameIndex\":2,\"captureTimeNanos\":1,"
                + "\"widthPx\":960,\"heightPx\":540}}]";
        assertThatThrownBy(() -> ingestion.appendJson("s-wire", 2, missingField))
                .isInstanceOfSatisfying(BatchRejectedException.class, e -> {
                    assertThat(e.reason()).isEqualTo(RejectionReason.MALFORMED_EVENT);
                    assertThat(e.getMessage()).contains("sourceId");
                });
        assertThat(rows("s-wire")).isEqualTo(2);
        String good = ingestion.codec().encodeBatch(List.of(env("s-wire", 2, new FrameCaptured("f2", 2, 1, 960, 540, "clip.mp4"))));
        assertThat(ingestion.appendJson("s-wire", 2, good).storedCount()).isEqualTo(1);
    }

    @Test
    void revisionZeroFrameCapturedIsUpcastOnRead() {
        ingestion.append("s-up", 0, session("s-up", 2));
        jdbc.update("insert into domain_event_entry (event_identifier, aggregate_identifier, sequence_number, type, time_stamp,"
                        + " payload_type, payload_revision, payload, meta_data) values (?,?,?,?,?,?,?,?,?)",
                "s-up/2", "s-up", 2L, "DriveSession", "2025-11-01T00:00:00Z", FrameCaptured.class.getName(), null,
                "{\"frameId\":\"old\",\"frameIndex\":7,\"captureTimeMicros\":280000,\"width\":1280,\"height\":720,\"sourceId\":\"v0\"}"
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8),
                "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        List<? extends DomainEventMessage<?>> read = eventStore.readEvents("s-up").asStream().toList();
        FrameCaptured upcast = (FrameCaptured) read.get(2).getPayload();
        assertThat(upcast).isEqualTo(new FrameCaptured("old", 7, 280_000_000L, 1280, 720, "v0"));
    }

    @Test
    void longSessionIsSnapshottedFromLiveStateAndReloadsFromTheSnapshot() {
        int n = (int) io.sightline.domain.session.DriveSession.SNAPSHOT_EVERY_EVENTS * 2 + 100;
        List<EventEnvelope> events = session("s-long", n);
        for (int first = 0; first < n; first += 500) {
            ingestion.append("s-long", first, events.subList(first, Math.min(n, first + 500)));
        }
        assertThat(rows("s-long")).isEqualTo(n);
        Long snapshotSequence = jdbc.queryForObject(
                "select max(sequence_number) from snapshot_event_entry where aggregate_identifier = 's-long'", Long.class);
        assertThat(snapshotSequence).as("latest snapshot of a %d-event session", n)
                .isEqualTo(2 * io.sightline.domain.session.DriveSession.SNAPSHOT_EVERY_EVENTS - 1);
        // A cold load (empty cache) must start from that snapshot and still enforce the rules.
        driveSessionCache.removeAll();
        assertThatThrownBy(() -> ingestion.append("s-long", n + 5, events.subList(n - 1, n)))
                .isInstanceOf(BatchRejectedException.class);
        assertThatThrownBy(() -> ingestion.append("s-long", n, List.of(new EventEnvelope("s-long/x", n, T0,
                new FrameCaptured("fx", n, 1, 960, 540, "clip.mp4")))))
                .isInstanceOfSatisfying(BatchRejectedException.class, e -> assertThat(e.reason()).isEqualTo(RejectionReason.TIME_REGRESSION));
        BatchAck dup = ingestion.append("s-long", n - 10, events.subList(n - 10, n));
        assertThat(dup.duplicateCount()).isEqualTo(10);
        assertThat(dup.nextExpectedSequence()).isEqualTo(n);

        // Proof that loading starts at the snapshot: with the events before it gone (test database
        // only), the model activated at sequence 1 is still known, so a detection is accepted.
        driveSessionCache.removeAll();
        jdbc.update("delete from domain_event_entry where aggregate_identifier = 's-long' and sequence_number <= ?", snapshotSequence);
        EventEnvelope detection = new EventEnvelope("s-long/" + n, n, T0 + n * 1_000_000L, new DetectionObserved("dn", "f", 2, "car", 0.9,
                new BoxPx(1, 2, 3, 4), "yolox-nano", "0.1.1rc0", YOLOX_SHA, List.of("s-long/" + (n - 2))));
        assertThat(ingestion.append("s-long", n, List.of(detection)).storedCount()).isEqualTo(1);
    }

    private static String revisionOf(String className) {
        try {
            return Class.forName(className).getAnnotation(org.axonframework.serialization.Revision.class).value();
        } catch (ClassNotFoundException e) {
            throw new AssertionError(className, e);
        }
    }
}
