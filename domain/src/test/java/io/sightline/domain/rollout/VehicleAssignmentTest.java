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
        return new AssignVehicle(ID, "event-x", "fleet-a", "vehicle-7", MODEL, POLICY, challenger, null, mode, "release-pipeline", AT);
    }

    static AssignVehicle assign(String challenger, String challengerPolicy, String mode) {
        return new AssignVehicle(ID, "event-x", "fleet-a", "vehicle-7", MODEL, POLICY, challenger, challengerPolicy, mode, "release-pipeline", AT);
    }

    @Test
    void theFirstAssignmentIsRevisionOneAndAChangeTheNext() {
        VehicleAssigned first = new VehicleAssigned("fleet-a", "vehicle-7", 1, MODEL, POLICY, null, null, null, "release-pipeline", AT);
        fixture.givenNoPriorActivity().when(assign(null, null)).expectEvents(first);
        fixture.given(first).when(assign(CHALLENGER, "shadow"))
                .expectEvents(new VehicleAssigned("fleet-a", "vehicle-7", 2, MODEL, POLICY, CHALLENGER, null, "shadow", "release-pipeline", AT));
    }

    @Test
    void theSameAssignmentAgainStoresNothing() {
        fixture.given(new VehicleAssigned("fleet-a", "vehicle-7", 1, MODEL, POLICY, null, null, null, "release-pipeline", AT))
                .when(assign(null, null)).expectNoEvents().expectSuccessfulHandlerExecution();
    }

    @Test
    void aChallengerNeedsAModeAndMayNotBeTheChampion() {
        fixture.givenNoPriorActivity().when(assign(CHALLENGER, null)).expectNoEvents()
                .expectExceptionMessage("challengerMode must be one of [shadow] with a challenger, got null");
        fixture.givenNoPriorActivity().when(assign(MODEL, "shadow")).expectNoEvents()
                .expectExceptionMessage("the challenger is the champion (" + MODEL + "); assign another model"
                        + " or none (a challenger policy alone runs on the champion's detections)");
        fixture.givenNoPriorActivity().when(assign(null, "shadow")).expectNoEvents()
                .expectExceptionMessage("challengerMode shadow needs a challengerModelSha256, a challengerPolicySha256 or both");
        fixture.givenNoPriorActivity()
                .when(new AssignVehicle(ID, "event-x", "fleet-a", "vehicle-7", "not-a-sha", POLICY, null, null, null, "release-pipeline", AT))
                .expectNoEvents().expectException(IllegalArgumentException.class);
    }

    @Test
    void aChallengerPolicyAloneOrWithAModelIsAnAssignmentOfItsOwn() {
        String challengerPolicy = "d4".repeat(32);
        VehicleAssigned first = new VehicleAssigned("fleet-a", "vehicle-7", 1, MODEL, POLICY, null, null, null, "release-pipeline", AT);
        fixture.given(first).when(assign(null, challengerPolicy, "shadow"))
                .expectEvents(new VehicleAssigned("fleet-a", "vehicle-7", 2, MODEL, POLICY, null, challengerPolicy, "shadow", "release-pipeline", AT));
        VehicleAssigned policyOnly = new VehicleAssigned("fleet-a", "vehicle-7", 2, MODEL, POLICY, null, challengerPolicy, "shadow",
                "release-pipeline", AT);
        // Another challenger policy, or the same one with a model, is a change the vehicle must fetch.
        fixture.given(first, policyOnly).when(assign(CHALLENGER, challengerPolicy, "shadow"))
                .expectEvents(new VehicleAssigned("fleet-a", "vehicle-7", 3, MODEL, POLICY, CHALLENGER, challengerPolicy, "shadow",
                        "release-pipeline", AT));
        fixture.given(first, policyOnly).when(assign(null, challengerPolicy, "shadow")).expectNoEvents().expectSuccessfulHandlerExecution();
    }

    @Test
    void aChallengerPolicyNeedsAModeAndMayNotBeTheChampionsAlone() {
        String challengerPolicy = "d4".repeat(32);
        fixture.givenNoPriorActivity().when(assign(null, challengerPolicy, null)).expectNoEvents()
                .expectExceptionMessage("challengerMode must be one of [shadow] with a challenger, got null");
        fixture.givenNoPriorActivity().when(assign(null, POLICY, "shadow")).expectNoEvents()
                .expectExceptionMessage("the challenger policy is the champion's (" + POLICY + "); assign another policy or none");
        fixture.givenNoPriorActivity().when(assign(null, "not-a-sha", "shadow")).expectNoEvents()
                .expectExceptionMessage("challengerPolicySha256 must be the sha256 of a registered artifact (64 lower-case hex digits), got not-a-sha");
    }
}
