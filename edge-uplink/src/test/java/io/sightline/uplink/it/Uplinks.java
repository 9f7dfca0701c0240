package io.sightline.uplink.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sightline.cloud.ingest.IngestResult;
import io.sightline.cloud.ingest.SignedBatchIngestion;
import io.sightline.uplink.journal.EdgeJournal;
import io.sightline.uplink.transport.TransportException;
import io.sightline.uplink.transport.UplinkReply;
import io.sightline.uplink.transport.UplinkTransport;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;

/** Test glue between the edge and the cloud. */
final class Uplinks {

    private Uplinks() {
    }

    /**
     * The in-process transport, as the all-in-one app wires it: the edge's functional interface
     * over the cloud's signed-batch ingestion, in the same JVM.
     */
    static UplinkTransport inProcess(SignedBatchIngestion cloud, ObjectMapper mapper) {
        return batch -> {
            IngestResult r = cloud.ingest(batch.toWireBytes(mapper, false));
            return switch (r.outcome()) {
                case ACKNOWLEDGED -> UplinkReply.acknowledged(r.sessionId(), r.firstSequence(), r.nextExpectedSequence(),
                        r.storedCount(), r.duplicateCount());
                case GAP -> UplinkReply.gap(r.sessionId(), r.firstSequence(), r.nextExpectedSequence(), r.detail());
                case REJECTED -> UplinkReply.rejected(r.sessionId(), r.firstSequence(), r.reason(), r.detail());
                case RETRY -> throw new TransportException(r.reason() + ": " + r.detail());
            };
        };
    }

    /** The store holds exactly the journal's events for every session: same ids, same order, none missing, none doubled. */
    static long assertStoreEqualsJournal(JdbcTemplate jdbc, EdgeJournal journal) {
        long total = 0;
        for (EdgeJournal.SessionState s : journal.sessions()) {
            List<String> expected = journal.eventIds(s.sessionId());
            assertThat(expected).as("journal of %s holds every sequence", s.sessionId()).hasSize((int) s.nextSequence());
            List<Map<String, Object>> rows = jdbc.queryForList("select event_identifier, sequence_number from domain_event_entry"
                    + " where aggregate_identifier = ? order by sequence_number", s.sessionId());
            List<String> stored = rows.stream().map(r -> (String) r.get("event_identifier")).toList();
            assertThat(stored).as("events of session %s in the store, by sequence", s.sessionId()).isEqualTo(expected);
            for (int i = 0; i < rows.size(); i++) {
                assertThat(((Number) rows.get(i).get("sequence_number")).longValue()).isEqualTo(i);
            }
            assertThat(s.ackedSequence()).as("journal ack of %s", s.sessionId()).isEqualTo(s.nextSequence());
            total += expected.size();
        }
        return total;
    }
}
