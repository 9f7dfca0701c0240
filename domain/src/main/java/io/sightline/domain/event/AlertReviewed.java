package io.sightline.domain.event;

import java.util.List;
import org.axonframework.serialization.Revision;

/**
 * A human verdict on an alert; feeds precision figures.
 *
 * @param verdict {@code TRUE_POSITIVE}, {@code FALSE_POSITIVE} or {@code UNSURE}
 * @param causes  the AlertRaised event reviewed
 */
@Revision("1")
public record AlertReviewed(
        String alertId,
        String verdict,
        String reviewer,
        String note,
        long reviewedAtNanos,
        List<String> causes) implements DerivedEvent {
}
