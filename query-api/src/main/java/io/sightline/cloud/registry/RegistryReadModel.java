package io.sightline.cloud.registry;

import io.sightline.domain.evaluation.EvaluationLog;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.stereotype.Component;

/** Reads {@code registry_artifacts} (written by {@link RegistryProjection}) and finds a version's evaluations in the event store. */
@Component
public class RegistryReadModel {

    public record Entry(String kind, String name, String version, String sha256, long sizeBytes, String manifestSha256, String keyId,
                        String registeredBy, long registeredAtNanos, String eventId, String registryId, int evaluations) {
    }

    private static final String EVALUATION_TYPE = "io.sightline.domain.event.EvaluationCompleted";
    private static final RowMapper<Entry> ROW = (rs, i) -> new Entry(rs.getString("kind"), rs.getString("name"), rs.getString("version"),
            rs.getString("sha256"), rs.getLong("size_bytes"), rs.getString("manifest_sha256"), rs.getString("key_id"),
            rs.getString("registered_by"), rs.getLong("registered_at_nanos"), rs.getString("event_id"), rs.getString("registry_id"),
            rs.getInt("evaluations"));

    private final JdbcTemplate jdbc;

    public RegistryReadModel(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** Every registered version of a kind, newest first. */
    public List<Entry> list(String kind) {
        return jdbc.query("select * from registry_artifacts where kind = ? order by registered_at_nanos desc, name, version", ROW, kind);
    }

    /** The first registration of these bytes as this kind (the same bytes may be registered under several versions). */
    public Optional<Entry> bySha256(String kind, String sha256) {
        return jdbc.query("select * from registry_artifacts where kind = ? and sha256 = ? order by registered_at_nanos, name, version limit 1",
                ROW, kind, sha256).stream().findFirst();
    }

    /** Event ids of the {@code EvaluationCompleted} events of a policy version, oldest first. */
    public List<String> evaluationsOfPolicy(String policyVersion) {
        return jdbc.queryForList("select event_identifier from domain_event_entry where aggregate_identifier = ? and payload_type = ?"
                + " order by global_index", String.class, EvaluationLog.idFor(policyVersion), EVALUATION_TYPE);
    }

    /** Event ids of the {@code EvaluationCompleted} events that ran a model (by its sha256), oldest first. */
    public List<String> evaluationsOfModel(String modelSha256) {
        // Evaluations are kept per policy version; the model is a field of the (Jackson) payload.
        return jdbc.queryForList("select event_identifier from domain_event_entry where payload_type = ?"
                + " and convert_from(payload, 'UTF8')::jsonb ->> 'modelSha256' = ? order by global_index", String.class, EVALUATION_TYPE,
                modelSha256);
    }
}
