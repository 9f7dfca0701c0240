package io.sightline.domain.upcasting;

import io.sightline.domain.event.ModelActivated;

/**
 * Revision 2 of {@code ModelActivated} names what caused an activation within a run (the cloud's
 * {@code VehicleAssigned} the edge followed, ADR-0035). Every revision-1 activation happened at the
 * start of a session, which nothing caused, so it gets an empty list.
 */
public class ModelActivatedCausesUpcaster extends AddedFieldUpcaster {

    public ModelActivatedCausesUpcaster() {
        super(ModelActivated.class, "1", "2", "causes", com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode());
    }
}
