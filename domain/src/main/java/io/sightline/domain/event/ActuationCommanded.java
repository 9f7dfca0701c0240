package io.sightline.domain.event;

import java.util.List;
import org.axonframework.serialization.Revision;

/**
 * The command sent to an in-cab actuator: the late stage reports what it actually did.
 *
 * @param actuator {@code CHIME}, {@code HUD} or {@code HAPTIC}
 */
@Revision("1")
public record ActuationCommanded(
        String alertId,
        String actuator,
        String pattern,
        long durationNanos,
        long commandedAtNanos,
        List<String> causes) implements DerivedEvent {
}
