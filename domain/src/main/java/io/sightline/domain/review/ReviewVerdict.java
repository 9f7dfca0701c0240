package io.sightline.domain.review;

import java.util.Arrays;
import java.util.Optional;

/** The verdicts {@link io.sightline.domain.event.AlertReviewed#verdict()} may carry; precision figures count them by name. */
public enum ReviewVerdict {
    TRUE_POSITIVE,
    FALSE_POSITIVE,
    UNSURE;

    /** The verdict named exactly (case-sensitive, as stored), or empty: a typo must not become a new category. */
    public static Optional<ReviewVerdict> parse(String name) {
        return Arrays.stream(values()).filter(v -> v.name().equals(name)).findFirst();
    }
}
