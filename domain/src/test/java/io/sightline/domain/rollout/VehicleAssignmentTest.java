package io.sightline.domain.rollout;

import io.sightline.domain.event.VehicleAssigned;
import org.axonframework.test.aggregate.AggregateTestFixture;
import org.axonframework.test.aggregate.FixtureConfiguration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class VehicleAssignmentTest {

    static final String ID = VehicleAssignment.idFor("fleet-a", "vehicle-7");
    static final String MODEL = "a1".repeat(32);
    static final String CHALLENGER = "b2".repeat(32);
    static final String POLICY = "c3".repeat(32);
    static final long AT = 1_765_000_000_000_000_000L;

    private FixtureConfiguration<VehicleAssignment> fixture;

    @BeforeEach
    void setUp() {
        fixture = new AggregateTestFixture<>(VehicleAssignment.class);
    }

    static AssignVehicle assign(String challenger, String mode) {
        return new AssignVehicle(ID, "event-x", "fleet-a", "vehicle-7", MODEL, POLICY, challenger, mode, "release-pipeline", AT);
    }

    @Test
    void theFirstAssignmentIsRevisionOneAndAChangeTheNext() {
        VehicleAssigned first = new VehicleAssigned("fleet-a", "vehicle-7", 1, MODEL, POLICY, null, null, "release-pipeline", AT);
        fixture.givenNoPriorActivity().when(assign(null, null)).expectEvents(first);
        fixture.given(first).when(assign(CHALLENGER, "shadow"))
                .expectEvents(new VehicleAssigned("fleet-a", "vehicle-7", 2, MODEL, POLICY, CHALLENGER, "shadow", "release-pipeline", AT));
    }

    @Test
    void theSameAssignmentAgainStoresNothing() {
        fixture.given(new VehicleAssigned("fleet-a", "vehicle-7", 1, MODEL, POLICY, null, null, "release-pipeline", AT))
                .when(assign(null, null)).expectNoEvents().expectSuccessfulHandlerExecution();
    }

    @Test
    void aChallengerNeedsAModeAndMayNotBeTheChampion() {
        fixture.givenNoPriorActivity().when(assign(CHALLENGER, null)).expectNoEvents()
                .expectExceptionMessage("challengerMode must be one of [shadow] with a challenger, got null");
        fixture.givenNoPriorActivity().when(assign(MODEL, "shadow")).expectNoEvents()
                .expectExceptionMessage("the challenger is the champion (" + MODEL + "); assign another model or none");
        fixture.givenNoPriorActivity().when(assign(null, "shadow")).expectNoEvents()
                .expectExceptionMessage("challengerMode shadow needs a challengerModelSha256");
        fixture.givenNoPriorActivity()
                .when(new AssignVehicle(ID, "event-x", "fleet-a", "vehicle-7", "not-a-sha", POLICY, null, null, "release-pipeline", AT))
                .expectNoEvents().expectException(IllegalArgumentException.class);
    }
}
