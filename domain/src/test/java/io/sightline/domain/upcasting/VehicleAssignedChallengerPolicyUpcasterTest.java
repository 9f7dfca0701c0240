package io.sightline.domain.upcasting;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.domain.event.VehicleAssigned;
import java.util.List;
import java.util.stream.Stream;
import org.axonframework.serialization.upcasting.event.IntermediateEventRepresentation;
import org.junit.jupiter.api.Test;

class VehicleAssignedChallengerPolicyUpcasterTest {

    private static final String MODEL = "a1".repeat(32);
    private static final String POLICY = "c3".repeat(32);
    private static final String CHALLENGER = "b2".repeat(32);
    private static final String V1 = "{\"fleetId\":\"f\",\"vehicleId\":\"v\",\"revision\":3,\"championModelSha256\":\"" + MODEL + "\","
            + "\"championPolicySha256\":\"" + POLICY + "\",\"challengerModelSha256\":\"" + CHALLENGER + "\",\"challengerMode\":\"shadow\","
            + "\"assignedBy\":\"admin\",\"assignedAtNanos\":7}";

    @Test
    void revisionOneBecomesRevisionTwoWithoutAChallengerPolicy() {
        List<IntermediateEventRepresentation> out = new VehicleAssignedChallengerPolicyUpcaster()
                .upcast(Stream.of(StoredEvent.of(VehicleAssigned.class, V1, "1"))).toList();
        assertThat(out.get(0).getType().getRevision()).isEqualTo("2");
        VehicleAssigned a = StoredEvent.payload(out.get(0));
        assertThat(a).isEqualTo(new VehicleAssigned("f", "v", 3, MODEL, POLICY, CHALLENGER, null, "shadow", "admin", 7));
    }

    @Test
    void revisionTwoKeepsItsChallengerPolicy() {
        String challengerPolicy = "d4".repeat(32);
        IntermediateEventRepresentation current = StoredEvent.of(VehicleAssigned.class,
                V1.replace("}", ",\"challengerPolicySha256\":\"" + challengerPolicy + "\"}"), "2");
        List<IntermediateEventRepresentation> out = new VehicleAssignedChallengerPolicyUpcaster().upcast(Stream.of(current)).toList();
        assertThat(out.get(0)).isSameAs(current);
        assertThat(((VehicleAssigned) StoredEvent.payload(out.get(0))).challengerPolicySha256()).isEqualTo(challengerPolicy);
    }
}
