package io.sightline.domain.event;

import java.util.List;
import org.axonframework.serialization.Revision;

/**
 * A rule asked for an alert and actuation withheld it.
 *
 * @param reason {@code COOLDOWN}, {@code RATE_CAP}, {@code SPEED_GATE}, {@code LOW_CONFIDENCE}, {@code ALREADY_ACTIVE} or {@code IN_CAB_CAP}
 */
@Revision("1")
public record AlertSuppressed(
        String kind,
        String level,
        String trackId,
        String reason,
        String detail,
        long suppressedAtNanos,
        List<String> causes) implements DerivedEvent {
}
