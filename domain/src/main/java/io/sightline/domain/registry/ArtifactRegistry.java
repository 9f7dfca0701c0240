package io.sightline.domain.registry;

import static org.axonframework.modelling.command.AggregateLifecycle.apply;

import io.sightline.domain.event.EventMetadataKeys;
import io.sightline.domain.event.ModelVersionRegistered;
import io.sightline.domain.event.PolicyVersionRegistered;
import io.sightline.domain.release.ReleaseStatement;
import java.util.Map;
import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventsourcing.EventSourcingHandler;
import org.axonframework.messaging.MetaData;
import org.axonframework.modelling.command.AggregateCreationPolicy;
import org.axonframework.modelling.command.AggregateIdentifier;
import org.axonframework.modelling.command.AggregateRoot;
import org.axonframework.modelling.command.CreationPolicy;

/**
 * One registered artifact version ({@code registry/model/<name>/<version>} or
 * {@code registry/policy/<version>}): the registry's rule that a name and version mean one set of
 * bytes forever. Keyed by name and version rather than by sha256 because that is the rule it
 * enforces: the same bytes registered again store nothing, other bytes under the same name and
 * version are refused (register them as a new version). The bytes themselves are content-addressed
 * in the blob store (ADR-0025).
 */
@AggregateRoot
public class ArtifactRegistry {

    public static final String PREFIX = "registry/";

    @AggregateIdentifier
    private String registryId;
    private String sha256;
    private String manifestSha256;

    protected ArtifactRegistry() {
    }

    public static String modelId(String name, String version) {
        return PREFIX + ReleaseStatement.MODEL + "/" + name + "/" + version;
    }

    public static String policyId(String version) {
        return PREFIX + ReleaseStatement.POLICY + "/" + version;
    }

    /** Stores the registration, or nothing when these bytes are already this version's. */
    @CommandHandler
    @CreationPolicy(AggregateCreationPolicy.CREATE_IF_MISSING)
    public void handle(RegisterModelVersion command) {
        ModelVersionRegistered r = command.registration();
        if (r == null) {
            throw new IllegalArgumentException("registration is missing");
        }
        requireEventId(command.eventId());
        // The statement's own checks: the fields the signature covers are well-formed.
        new ReleaseStatement(ReleaseStatement.MODEL, r.modelName(), r.modelVersion(), r.modelSha256(), r.sizeBytes(), r.manifestSha256());
        String expected = modelId(r.modelName(), r.modelVersion());
        if (!expected.equals(command.registryId())) {
            throw new IllegalArgumentException("model " + r.modelName() + " " + r.modelVersion() + " belongs in " + expected + ", not "
                    + command.registryId());
        }
        requireSigned(r.signatureBase64(), r.keyId(), r.registeredBy());
        if (alreadyHolds("model " + r.modelName() + " version " + r.modelVersion(), r.modelSha256(), r.manifestSha256())) {
            return;
        }
        if (registryId == null) {
            // A new aggregate's id must exist when its first event is applied (as in EvaluationLog).
            registryId = command.registryId();
        }
        apply(r, MetaData.from(Map.of(EventMetadataKeys.EVENT_ID, command.eventId(), EventMetadataKeys.OCCURRED_AT_NANOS,
                r.registeredAtNanos())));
    }

    @CommandHandler
    @CreationPolicy(AggregateCreationPolicy.CREATE_IF_MISSING)
    public void handle(RegisterPolicyVersion command) {
        PolicyVersionRegistered r = command.registration();
        if (r == null) {
            throw new IllegalArgumentException("registration is missing");
        }
        requireEventId(command.eventId());
        new ReleaseStatement(ReleaseStatement.POLICY, ReleaseStatement.POLICY, r.policyVersion(), r.policySha256(), r.sizeBytes(),
                ReleaseStatement.NO_MANIFEST);
        String expected = policyId(r.policyVersion());
        if (!expected.equals(command.registryId())) {
            throw new IllegalArgumentException("policy " + r.policyVersion() + " belongs in " + expected + ", not " + command.registryId());
        }
        requireSigned(r.signatureBase64(), r.keyId(), r.registeredBy());
        if (alreadyHolds("policy version " + r.policyVersion(), r.policySha256(), ReleaseStatement.NO_MANIFEST)) {
            return;
        }
        if (registryId == null) {
            // A new aggregate's id must exist when its first event is applied (as in EvaluationLog).
            registryId = command.registryId();
        }
        apply(r, MetaData.from(Map.of(EventMetadataKeys.EVENT_ID, command.eventId(), EventMetadataKeys.OCCURRED_AT_NANOS,
                r.registeredAtNanos())));
    }

    private boolean alreadyHolds(String what, String newSha256, String newManifestSha256) {
        if (sha256 == null) {
            return false;
        }
        if (sha256.equals(newSha256) && manifestSha256.equals(newManifestSha256)) {
            return true;
        }
        throw new IllegalArgumentException(what + " is already registered with sha256 " + sha256
                + (ReleaseStatement.NO_MANIFEST.equals(manifestSha256) ? "" : " and manifest sha256 " + manifestSha256)
                + "; these bytes differ: register them under a new version");
    }

    private static void requireEventId(String eventId) {
        if (eventId == null || eventId.isBlank()) {
            throw new IllegalArgumentException("eventId is missing");
        }
    }

    private static void requireSigned(String signature, String keyId, String registeredBy) {
        if (signature == null || signature.isBlank() || keyId == null || keyId.isBlank()) {
            throw new IllegalArgumentException("a registration needs the release signature and its key id");
        }
        if (registeredBy == null || registeredBy.isBlank()) {
            throw new IllegalArgumentException("registeredBy is missing");
        }
    }

    @EventSourcingHandler
    void on(ModelVersionRegistered e, DomainEventMessage<?> message) {
        registryId = message.getAggregateIdentifier();
        sha256 = e.modelSha256();
        manifestSha256 = e.manifestSha256();
    }

    @EventSourcingHandler
    void on(PolicyVersionRegistered e, DomainEventMessage<?> message) {
        registryId = message.getAggregateIdentifier();
        sha256 = e.policySha256();
        manifestSha256 = ReleaseStatement.NO_MANIFEST;
    }

    public String registryId() {
        return registryId;
    }
}
