package io.sightline.domain.upcasting;

import io.sightline.domain.event.EvidenceClipRecorded;

/**
 * Revision 2 of {@code EvidenceClipRecorded} carries the still JPEGs of its alerts' deciding frames
 * (ADR-0041). A revision-1 clip was recorded before the edge kept any, so it gets an empty list: its
 * viewer shows the clip paused on the deciding frame, as it did.
 */
public class EvidenceClipRecordedStillsUpcaster extends AddedFieldUpcaster {

    public EvidenceClipRecordedStillsUpcaster() {
        super(EvidenceClipRecorded.class, "1", "2", "decidingStills", com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode());
    }
}
