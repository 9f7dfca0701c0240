package io.sightline.domain.upcasting;

import com.fasterxml.jackson.databind.node.NullNode;
import io.sightline.domain.event.VehicleAssigned;

/**
 * Revision 2 of {@code VehicleAssigned} names a challenger policy ({@code challengerPolicySha256}, ADR-0043). Before it an
 * assignment could not carry one, so revision-1 events get null: their challenger, if any, decided with the champion's policy.
 */
public class VehicleAssignedChallengerPolicyUpcaster extends AddedFieldUpcaster {

    public VehicleAssignedChallengerPolicyUpcaster() {
        super(VehicleAssigned.class, "1", "2", "challengerPolicySha256", NullNode.getInstance());
    }
}
