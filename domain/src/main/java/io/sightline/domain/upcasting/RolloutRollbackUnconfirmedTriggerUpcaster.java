package io.sightline.domain.upcasting;

import com.fasterxml.jackson.databind.node.TextNode;
import io.sightline.domain.event.RolloutRollbackUnconfirmed;

/**
 * Revision 2 of {@code RolloutRollbackUnconfirmed} says what raised the alarm ({@code trigger}, ADR-0044 as amended). Before it
 * only the deadline could, so revision-1 events get {@link RolloutRollbackUnconfirmed#DEADLINE}.
 */
public class RolloutRollbackUnconfirmedTriggerUpcaster extends AddedFieldUpcaster {

    public RolloutRollbackUnconfirmedTriggerUpcaster() {
        super(RolloutRollbackUnconfirmed.class, "1", "2", "trigger", TextNode.valueOf(RolloutRollbackUnconfirmed.DEADLINE));
    }
}
