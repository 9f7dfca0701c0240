package io.sightline.domain.upcasting;

import io.sightline.domain.event.FrameCaptured;

/**
 * Revision 2 of {@code FrameCaptured} names the evidence JPEG of the frame ({@code evidenceSha256},
 * ADR-0008). Frames stored before it had no evidence, so they get {@code null}. Runs after
 * {@link FrameCapturedMicrosUpcaster}: a revision-0 frame reaches revision 2 through both.
 */
public class FrameCapturedEvidenceUpcaster extends AddedFieldUpcaster {

    public FrameCapturedEvidenceUpcaster() {
        super(FrameCaptured.class, "1", "2", "evidenceSha256", com.fasterxml.jackson.databind.node.NullNode.getInstance());
    }
}
