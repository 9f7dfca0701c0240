package io.sightline.domain.registry;

import io.sightline.domain.event.ModelVersionRegistered;
import io.sightline.domain.event.PolicyVersionRegistered;
import java.util.List;
import org.axonframework.test.aggregate.AggregateTestFixture;
import org.axonframework.test.aggregate.FixtureConfiguration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ArtifactRegistryTest {

    static final String SHA_A = "a1".repeat(32);
    static final String SHA_B = "b2".repeat(32);
    static final String MANIFEST = "c3".repeat(32);

    private FixtureConfiguration<ArtifactRegistry> fixture;

    @BeforeEach
    void setUp() {
        fixture = new AggregateTestFixture<>(ArtifactRegistry.class);
    }

    static ModelVersionRegistered model(String sha256, String manifestSha256) {
        return new ModelVersionRegistered("yolox-nano", "0.1.1rc0", sha256, 3_660_092, manifestSha256, "{}", "images", List.of(1, 3, 416, 416),
                "output", List.of(1, 3549, 85), "yolox-anchor-free", List.of("person"), "Apache-2.0", "c2lnbmF0dXJl", "ed25519:0123456789abcdef",
                "release-pipeline", 1_765_000_000_000_000_000L, List.of("evaluation-event-1"));
    }

    static PolicyVersionRegistered policy(String version, String sha256) {
        return new PolicyVersionRegistered(version, sha256, 812, "c2lnbmF0dXJl", "ed25519:0123456789abcdef", "release-pipeline",
                1_765_000_000_000_000_000L, List.of());
    }

    @Test
    void aModelVersionIsRegisteredUnderItsNameAndVersion() {
        ModelVersionRegistered r = model(SHA_A, MANIFEST);
        fixture.givenNoPriorActivity()
                .when(new RegisterModelVersion(ArtifactRegistry.modelId("yolox-nano", "0.1.1rc0"), "event-1", r))
                .expectEvents(r);
    }

    @Test
    void theSameBytesRegisteredTwiceAreStoredOnce() {
        fixture.given(model(SHA_A, MANIFEST))
                .when(new RegisterModelVersion(ArtifactRegistry.modelId("yolox-nano", "0.1.1rc0"), "event-2", model(SHA_A, MANIFEST)))
                .expectNoEvents()
                .expectSuccessfulHandlerExecution();
    }

    @Test
    void otherBytesOrAnotherManifestUnderTheSameVersionAreRefused() {
        fixture.given(model(SHA_A, MANIFEST))
                .when(new RegisterModelVersion(ArtifactRegistry.modelId("yolox-nano", "0.1.1rc0"), "event-2", model(SHA_B, MANIFEST)))
                .expectNoEvents()
                .expectException(IllegalArgumentException.class)
                .expectExceptionMessage("model yolox-nano version 0.1.1rc0 is already registered with sha256 " + SHA_A + " and manifest sha256 "
                        + MANIFEST + "; these bytes differ: register them under a new version");
        fixture.given(model(SHA_A, MANIFEST))
                .when(new RegisterModelVersion(ArtifactRegistry.modelId("yolox-nano", "0.1.1rc0"), "event-2", model(SHA_A, SHA_B)))
                .expectNoEvents()
                .expectException(IllegalArgumentException.class);
    }

    @Test
    void aRegistrationInAnotherVersionsEntryIsRefused() {
        fixture.givenNoPriorActivity()
                .when(new RegisterModelVersion(ArtifactRegistry.modelId("yolox-nano", "9"), "event-1", model(SHA_A, MANIFEST)))
                .expectNoEvents()
                .expectExceptionMessage("model yolox-nano 0.1.1rc0 belongs in registry/model/yolox-nano/0.1.1rc0, not registry/model/yolox-nano/9");
    }

    @Test
    void anUnsignedRegistrationIsRefused() {
        ModelVersionRegistered r = model(SHA_A, MANIFEST);
        ModelVersionRegistered unsigned = new ModelVersionRegistered(r.modelName(), r.modelVersion(), r.modelSha256(), r.sizeBytes(),
                r.manifestSha256(), r.manifestJson(), r.inputName(), r.inputShape(), r.outputName(), r.outputShape(), r.decoderKind(), r.classes(),
                r.licence(), "", r.keyId(), r.registeredBy(), r.registeredAtNanos(), r.causes());
        fixture.givenNoPriorActivity()
                .when(new RegisterModelVersion(ArtifactRegistry.modelId("yolox-nano", "0.1.1rc0"), "event-1", unsigned))
                .expectNoEvents()
                .expectExceptionMessage("a registration needs the release signature and its key id");
    }

    @Test
    void policyVersionsFollowTheSameRules() {
        String id = ArtifactRegistry.policyId("sightline-risk-1.1.0");
        fixture.givenNoPriorActivity()
                .when(new RegisterPolicyVersion(id, "event-1", policy("sightline-risk-1.1.0", SHA_A)))
                .expectEvents(policy("sightline-risk-1.1.0", SHA_A));
        fixture.given(policy("sightline-risk-1.1.0", SHA_A))
                .when(new RegisterPolicyVersion(id, "event-2", policy("sightline-risk-1.1.0", SHA_A)))
                .expectNoEvents()
                .expectSuccessfulHandlerExecution();
        fixture.given(policy("sightline-risk-1.1.0", SHA_A))
                .when(new RegisterPolicyVersion(id, "event-2", policy("sightline-risk-1.1.0", SHA_B)))
                .expectNoEvents()
                .expectExceptionMessage("policy version sightline-risk-1.1.0 is already registered with sha256 " + SHA_A
                        + "; these bytes differ: register them under a new version");
    }
}
