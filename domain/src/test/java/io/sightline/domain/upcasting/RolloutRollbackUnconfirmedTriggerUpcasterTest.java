package io.sightline.domain.upcasting;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.domain.event.RolloutRollbackUnconfirmed;
import java.util.List;
import java.util.stream.Stream;
import org.axonframework.serialization.upcasting.event.IntermediateEventRepresentation;
import org.junit.jupiter.api.Test;

class RolloutRollbackUnconfirmedTriggerUpcasterTest {

    private static final String V1 = "{\"rolloutId\":\"r1\",\"deadlineSeconds\":86400,\"unconfirmedVehicleIds\":[\"v1\"],"
            + "\"refusedVehicleIds\":[\"v1\"],\"confirmedVehicleIds\":[\"v0\"],\"detectedBy\":\"rollout-scheduler\",\"detectedAtNanos\":9,"
            + "\"causes\":[\"rollout/r1/RolloutRolledBack/2\",\"s/ModelRejected/0\"]}";

    @Test
    void revisionOneWasRaisedByTheDeadline() {
        List<IntermediateEventRepresentation> out = new RolloutRollbackUnconfirmedTriggerUpcaster()
                .upcast(Stream.of(StoredEvent.of(RolloutRollbackUnconfirmed.class, V1, "1"))).toList();
        assertThat(out.get(0).getType().getRevision()).isEqualTo("2");
        RolloutRollbackUnconfirmed e = StoredEvent.payload(out.get(0));
        assertThat(e).isEqualTo(new RolloutRollbackUnconfirmed("r1", 86400, List.of("v1"), List.of("v1"), List.of("v0"),
                RolloutRollbackUnconfirmed.DEADLINE, "rollout-scheduler", 9, List.of("rollout/r1/RolloutRolledBack/2", "s/ModelRejected/0")));
    }

    @Test
    void revisionTwoKeepsItsTrigger() {
        IntermediateEventRepresentation current = StoredEvent.of(RolloutRollbackUnconfirmed.class,
                V1.replace("\"detectedBy\"", "\"trigger\":\"REFUSED\",\"detectedBy\""), "2");
        List<IntermediateEventRepresentation> out = new RolloutRollbackUnconfirmedTriggerUpcaster().upcast(Stream.of(current)).toList();
        assertThat(out.get(0)).isSameAs(current);
        assertThat(((RolloutRollbackUnconfirmed) StoredEvent.payload(out.get(0))).trigger()).isEqualTo(RolloutRollbackUnconfirmed.REFUSED);
    }
}
