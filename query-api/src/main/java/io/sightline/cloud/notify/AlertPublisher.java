package io.sightline.cloud.notify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.sightline.cloud.config.AlertsMqttProperties;
import io.sightline.cloud.config.IngestMqttProperties;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Sends the {@code alert_notifications} outbox to safety apps over MQTT (ADR-0016): one QoS 1
 * message per alert raised or cleared on {@code {root}/{fleet}/{vehicle}/alerts} (ids percent-encoded
 * where MQTT would misread them, {@link #topicLevel}), oldest first, as
 * JSON ({@link #SCHEMA} 1): type ({@code raised} or {@code cleared}), alertId, eventId, sessionId,
 * fleetId, vehicleId, globalIndex; for {@code raised} also kind, level, trackId, policyVersion,
 * raisedAtNanos; for {@code cleared} also clearedAtNanos, reason, activeForNanos.
 *
 * <p>Replicas share the outbox: each claims due rows with {@code for update skip locked}, so two
 * replicas never send the same row at once. A row is marked sent only after the broker's PUBACK;
 * a failure records the error and retries with a doubling back-off (1 s up to 60 s). Delivery is
 * at least once (a PUBACK lost with a replica's crash resends the row): safety apps deduplicate by
 * {@code eventId}. Sent rows are kept {@code keep-published} (30 days) for audit, then deleted.
 *
 * <p>Metrics: {@code sightline.alerts.notifications.pending} (gauge), {@code .published} and
 * {@code .failed} (counters).
 */
@Component
@ConditionalOnProperty(name = "sightline.alerts.mqtt.enabled", havingValue = "true")
public class AlertPublisher implements SmartLifecycle {

    static final int SCHEMA = 1;
    /** Rows claimed per transaction; a claim's rows stay locked while they are sent. */
    static final int CLAIM_ROWS = 100;
    static final Duration PUBACK_TIMEOUT = Duration.ofSeconds(10);
    static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    static final Duration LAST_RETRY = Duration.ofSeconds(60);
    private static final int ERROR_COLUMN = 1000;

    private static final Logger LOG = LoggerFactory.getLogger(AlertPublisher.class);
    private static final String CLAIM = "select event_id, type, alert_id, session_id, fleet_id, vehicle_id, kind, level, track_id,"
            + " policy_version, raised_at_nanos, cleared_at_nanos, cleared_reason, active_for_nanos, global_index, attempts"
            + " from alert_notifications where published_at is null and next_attempt_at <= now()"
            + " order by global_index limit " + CLAIM_ROWS + " for update skip locked";

    /** One outbox row; the raised-only and cleared-only values are null for the other type. */
    private record Pending(String eventId, String type, String alertId, String sessionId, String fleetId, String vehicleId,
                           String kind, String level, String trackId, String policyVersion, Long raisedAtNanos,
                           Long clearedAtNanos, String clearedReason, Long activeForNanos, long globalIndex, int attempts) {
    }

    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final String url;
    private final String topicRoot;
    private final Duration pollInterval;
    private final Duration keepPublished;
    private final ObjectMapper mapper = new ObjectMapper();
    private final AtomicLong pending = new AtomicLong();
    private final Counter published;
    private final Counter failed;
    private final String clientId = "sightline-alerts-" + UUID.randomUUID().toString().substring(0, 12);
    private volatile Mqtt3AsyncClient client;
    private volatile Thread loop;
    private volatile boolean running;
    private long lastPruneNanos;
    private long lastLoopWarnNanos = System.nanoTime() - TimeUnit.HOURS.toNanos(1);

    public AlertPublisher(JdbcTemplate jdbc, PlatformTransactionManager transactions, MeterRegistry meters,
                          AlertsMqttProperties alerts, IngestMqttProperties ingest) {
        this.jdbc = jdbc;
        this.tx = new TransactionTemplate(transactions);
        this.url = alerts.url(ingest);
        this.topicRoot = alerts.topicRoot(ingest);
        this.pollInterval = alerts.pollInterval();
        this.keepPublished = alerts.keepPublished();
        Gauge.builder("sightline.alerts.notifications.pending", pending, AtomicLong::get)
                .description("Alert notifications not yet acknowledged by the MQTT broker").register(meters);
        this.published = Counter.builder("sightline.alerts.notifications.published")
                .description("Alert notifications the broker acknowledged").register(meters);
        this.failed = Counter.builder("sightline.alerts.notifications.failed")
                .description("Alert notification sends that failed and will be retried").register(meters);
    }

    /**
     * Sends every due notification once, oldest first, and returns how many the broker
     * acknowledged. The background loop calls it; tests call it to take one step.
     */
    int publishDue() {
        int sent = 0;
        while (true) {
            int[] claimed = new int[2];
            tx.executeWithoutResult(status -> {
                List<Pending> rows = jdbc.query(CLAIM, (rs, i) -> new Pending(rs.getString(1), rs.getString(2), rs.getString(3),
                        rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8), rs.getString(9),
                        rs.getString(10), rs.getObject(11, Long.class), rs.getObject(12, Long.class), rs.getString(13),
                        rs.getObject(14, Long.class), rs.getLong(15), rs.getInt(16)));
                claimed[0] = rows.size();
                String brokerError = null;
                for (Pending row : rows) {
                    // After one failure the rest of the claim waits for its retry without trying: an
                    // unreachable broker would otherwise hold these rows' locks for a timeout each.
                    String error = brokerError != null ? brokerError : send(row);
                    brokerError = error;
                    if (error == null) {
                        jdbc.update("update alert_notifications set published_at = now(), attempts = attempts + 1, last_error = null"
                                + " where event_id = ?", row.eventId());
                        published.increment();
                        claimed[1]++;
                    } else {
                        long retryMillis = Math.min(LAST_RETRY.toMillis(), FIRST_RETRY.toMillis() << Math.min(row.attempts(), 16));
                        jdbc.update("update alert_notifications set attempts = attempts + 1, last_error = ?,"
                                + " next_attempt_at = now() + (? * interval '1 millisecond') where event_id = ?",
                                truncate(error), retryMillis, row.eventId());
                        failed.increment();
                    }
                }
            });
            sent += claimed[1];
            // A full claim of successes may have more behind it; a failure waits for its retry time.
            if (claimed[0] < CLAIM_ROWS || claimed[1] < claimed[0]) {
                break;
            }
        }
        pending.set(jdbc.queryForObject("select count(*) from alert_notifications where published_at is null", Long.class));
        return sent;
    }

    /** Deletes notifications sent longer than {@code keep-published} ago; returns how many. */
    int prunePublished() {
        return jdbc.update("delete from alert_notifications where published_at < now() - (? * interval '1 second')",
                keepPublished.toSeconds());
    }

    /** Null when the broker acknowledged the message, else what went wrong. */
    private String send(Pending row) {
        String topic = topicRoot + "/" + topicLevel(row.fleetId()) + "/" + topicLevel(row.vehicleId()) + "/alerts";
        try {
            Mqtt3AsyncClient c = connected();
            c.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(json(row)).send()
                    .get(PUBACK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted while sending to " + url;
        } catch (Exception e) {
            Throwable cause = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause() : e;
            LOG.warn("alert {} ({}) not announced on {} at {}: {}; retrying", row.alertId(), row.type(), topic, url, cause.toString());
            return "MQTT broker at " + url + ": " + cause;
        }
    }

    private Mqtt3AsyncClient connected() throws Exception {
        Mqtt3AsyncClient c = client;
        if (c != null && c.getState().isConnected()) {
            return c;
        }
        if (c != null) {
            // No automatic reconnect: a publish queued inside a reconnecting client would be sent
            // later, after this row was already marked failed and retried.
            c.disconnect();
        }
        URI uri = URI.create(url);
        // ssl:// as the ingestion subscriber reads it: TLS with the JVM's trust store, 8883 by default.
        boolean tls = "ssl".equals(uri.getScheme());
        int port = uri.getPort() > 0 ? uri.getPort() : tls ? 8883 : 1883;
        var builder = MqttClient.builder().useMqttVersion3().identifier(clientId).serverHost(uri.getHost()).serverPort(port);
        c = (tls ? builder.sslWithDefaultConfig() : builder).buildAsync();
        client = c;
        c.connectWith().cleanSession(true).keepAlive(30).send().get(PUBACK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        return c;
    }

    /**
     * A fleet or vehicle id as one MQTT topic level. Ids come from the edge's DriveSessionStarted;
     * a '/' would move the message to another topic and '+' or '#' would make the publish invalid,
     * so those (and '%' and NUL) are percent-encoded. The payload carries the ids unchanged.
     */
    static String topicLevel(String id) {
        StringBuilder b = null;
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c == '/' || c == '+' || c == '#' || c == '%' || c == 0) {
                if (b == null) {
                    b = new StringBuilder(id.length() + 8).append(id, 0, i);
                }
                b.append('%').append(String.format("%02X", (int) c));
            } else if (b != null) {
                b.append(c);
            }
        }
        return b == null ? id : b.toString();
    }

    private byte[] json(Pending row) {
        ObjectNode n = mapper.createObjectNode();
        n.put("schema", SCHEMA);
        n.put("type", row.type());
        n.put("alertId", row.alertId());
        n.put("eventId", row.eventId());
        n.put("sessionId", row.sessionId());
        n.put("fleetId", row.fleetId());
        n.put("vehicleId", row.vehicleId());
        if ("raised".equals(row.type())) {
            n.put("kind", row.kind());
            n.put("level", row.level());
            n.put("trackId", row.trackId());
            n.put("policyVersion", row.policyVersion());
            n.put("raisedAtNanos", row.raisedAtNanos());
        } else {
            n.put("clearedAtNanos", row.clearedAtNanos());
            n.put("reason", row.clearedReason());
            n.put("activeForNanos", row.activeForNanos());
        }
        n.put("globalIndex", row.globalIndex());
        return n.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String truncate(String s) {
        return s.length() <= ERROR_COLUMN ? s : s.substring(0, ERROR_COLUMN);
    }

    private void runLoop() {
        while (running) {
            try {
                publishDue();
                if (System.nanoTime() - lastPruneNanos > TimeUnit.MINUTES.toNanos(10)) {
                    lastPruneNanos = System.nanoTime();
                    int pruned = prunePublished();
                    if (pruned > 0) {
                        LOG.info("deleted {} alert notifications sent more than {} ago", pruned, keepPublished);
                    }
                }
            } catch (RuntimeException e) {
                // The database is away (or shutting down): keep the loop, the rows wait. Once a
                // minute is enough to say so; every poll would bury the log.
                if (running && System.nanoTime() - lastLoopWarnNanos > TimeUnit.MINUTES.toNanos(1)) {
                    lastLoopWarnNanos = System.nanoTime();
                    LOG.warn("alert notifications cannot reach the database: {}; retrying every {}", e.toString(), pollInterval);
                }
            }
            try {
                Thread.sleep(pollInterval.toMillis());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void start() {
        running = true;
        lastPruneNanos = System.nanoTime() - TimeUnit.HOURS.toNanos(1);
        Thread t = new Thread(this::runLoop, "alert-publisher");
        t.setDaemon(true);
        loop = t;
        t.start();
        LOG.info("announcing alerts on {}/{fleet}/{vehicle}/alerts at {}", topicRoot, url);
    }

    @Override
    public void stop() {
        running = false;
        Thread t = loop;
        if (t != null) {
            t.interrupt();
            try {
                t.join(PUBACK_TIMEOUT.toMillis() + 5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Mqtt3AsyncClient c = client;
        if (c != null && c.getState().isConnected()) {
            c.disconnect();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
