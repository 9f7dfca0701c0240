package io.sightline.domain.upcasting;

import com.fasterxml.jackson.databind.node.LongNode;
import io.sightline.domain.event.ShadowFramesDropped;

/**
 * Revision 2 of {@code ShadowFramesDropped} counts the shadow runs stopped for the champion ({@code shadowPreemptedCount},
 * ADR-0032). Before it the shadow was never stopped mid-run, so revision-1 events get 0.
 */
public class ShadowFramesDroppedPreemptedUpcaster extends AddedFieldUpcaster {

    public ShadowFramesDroppedPreemptedUpcaster() {
        super(ShadowFramesDropped.class, "1", "2", "shadowPreemptedCount", LongNode.valueOf(0));
    }
}
