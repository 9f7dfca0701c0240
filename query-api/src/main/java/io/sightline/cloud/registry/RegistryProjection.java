package io.sightline.cloud.registry;

import io.sightline.domain.event.ModelVersionRegistered;
import io.sightline.domain.event.PolicyVersionRegistered;
import io.sightline.domain.release.ReleaseStatement;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventHandler;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Writes {@code registry_artifacts}. Its processing group is subscribing (application.properties)
 * with errors propagated ({@link RegistryConfiguration}), so the row commits in the registering
 * command's transaction or the registration fails: a version answered 201 is listed at once.
 */
@Component
@ProcessingGroup(RegistryProjection.NAME)
public class RegistryProjection {

    public static final String NAME = "registry";

    private final JdbcTemplate jdbc;

    public RegistryProjection(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    @EventHandler
    void on(ModelVersionRegistered e, DomainEventMessage<?> message) {
        insert(ReleaseStatement.MODEL, e.modelName(), e.modelVersion(), e.modelSha256(), e.sizeBytes(), e.manifestSha256(), e.keyId(),
                e.registeredBy(), e.registeredAtNanos(), message, e.causes().size());
    }

    @EventHandler
    void on(PolicyVersionRegistered e, DomainEventMessage<?> message) {
        insert(ReleaseStatement.POLICY, ReleaseStatement.POLICY, e.policyVersion(), e.policySha256(), e.sizeBytes(),
                ReleaseStatement.NO_MANIFEST, e.keyId(), e.registeredBy(), e.registeredAtNanos(), message, e.causes().size());
    }

    private void insert(String kind, String name, String version, String sha256, long sizeBytes, String manifestSha256, String keyId,
                        String registeredBy, long registeredAtNanos, DomainEventMessage<?> message, int evaluations) {
        jdbc.update("insert into registry_artifacts (kind, name, version, sha256, size_bytes, manifest_sha256, key_id, registered_by,"
                        + " registered_at_nanos, event_id, registry_id, evaluations) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                        + " on conflict (kind, name, version) do nothing",
                kind, name, version, sha256, sizeBytes, manifestSha256, keyId, registeredBy, registeredAtNanos, message.getIdentifier(),
                message.getAggregateIdentifier(), evaluations);
    }
}
