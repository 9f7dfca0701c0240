package io.sightline.explain.narrative;

import java.util.List;

/**
 * A plain-language explanation of one alert.
 *
 * @param headline the decision in one sentence, with the numbers that made it
 * @param details  further sentences: evidence, provenance, what would have flipped it, what followed
 */
public record Narrative(String headline, List<String> details) {

    public String text() {
        return details.isEmpty() ? headline : headline + " " + String.join(" ", details);
    }
}
