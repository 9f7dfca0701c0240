package io.sightline.domain.event;

import java.util.List;
import org.axonframework.serialization.Revision;

/** An alert ended after its hysteresis and minimum on-time. */
@Revision("1")
public record AlertCleared(
        String alertId,
        String reason,
        long clearedAtNanos,
        long activeForNanos,
        List<String> causes) implements DerivedEvent {
}
