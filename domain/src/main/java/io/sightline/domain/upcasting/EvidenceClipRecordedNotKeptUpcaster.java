package io.sightline.domain.upcasting;

import io.sightline.domain.event.EvidenceClipRecorded;

/**
 * Revision 3 of {@code EvidenceClipRecorded} counts the window's frames the edge's frame ring did not
 * keep while an earlier window was encoded (a live source, ADR-0041). Revisions 1 and 2 were
 * recorded before the edge counted them per window, so they get 0; their clips' start against
 * {@code windowFirstFrameIndex} still shows any frames missing from the window's start.
 */
public class EvidenceClipRecordedNotKeptUpcaster extends AddedFieldUpcaster {

    public EvidenceClipRecordedNotKeptUpcaster() {
        super(EvidenceClipRecorded.class, "2", "3", "windowFramesNotKept", com.fasterxml.jackson.databind.node.LongNode.valueOf(0));
    }
}
