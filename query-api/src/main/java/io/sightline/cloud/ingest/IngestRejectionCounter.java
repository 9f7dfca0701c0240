package io.sightline.cloud.ingest;

import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Counts refused batches per device and reason in {@code ingest_rejection_count}. It writes in
 * its own statement, outside the refused batch's (rolled back) transaction, so the count survives.
 */
@Component
public class IngestRejectionCounter {

    private static final Logger LOG = LoggerFactory.getLogger(IngestRejectionCounter.class);
    static final String UNKNOWN_DEVICE_ID = "?";

    private final JdbcTemplate jdbc;

    public IngestRejectionCounter(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    public void count(String deviceId, String reason, String sessionId, String detail) {
        String device = deviceId == null || deviceId.isBlank() ? UNKNOWN_DEVICE_ID : truncate(deviceId, 255);
        try {
            jdbc.update("insert into ingest_rejection_count (device_id, reason, rejected_count, last_session_id, last_detail)"
                    + " values (?, ?, 1, ?, ?) on conflict (device_id, reason) do update set"
                    + " rejected_count = ingest_rejection_count.rejected_count + 1, last_at = now(),"
                    + " last_session_id = excluded.last_session_id, last_detail = excluded.last_detail",
                    device, reason, sessionId == null ? null : truncate(sessionId, 255), detail == null ? null : truncate(detail, 1000));
        } catch (RuntimeException e) {
            // A failing counter must not turn a clear refusal into a server error.
            LOG.warn("Could not count rejection {} of device {}: {}", reason, device, e.getMessage());
        }
    }

    /** Counts per reason for one device ({@code "?"} for requests that named none). */
    public Map<String, Long> counts(String deviceId) {
        Map<String, Long> out = new LinkedHashMap<>();
        jdbc.query("select reason, rejected_count from ingest_rejection_count where device_id = ? order by reason",
                rs -> {
                    out.put(rs.getString(1), rs.getLong(2));
                }, deviceId);
        return out;
    }

    private static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }
}
