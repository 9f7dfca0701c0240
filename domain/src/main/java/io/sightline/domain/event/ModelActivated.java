package io.sightline.domain.event;

import java.util.List;
import org.axonframework.serialization.Revision;

/**
 * A detector model passed its sha256 and input checks and became active. Carries the whole
 * manifest so an alert can name exactly which weights produced its detections.
 *
 * @param role            {@code primary} or {@code fallback}
 * @param inputShape      e.g. [1,3,416,416]
 * @param inputLayout     e.g. {@code NCHW}
 * @param normalisation   e.g. {@code BGR 0..255} or {@code BGR /255}
 * @param decoderKind     e.g. {@code yolox-anchor-free} or {@code fastestdet-stride16}
 */
@Revision("1")
public record ModelActivated(
        String modelName,
        String modelVersion,
        String modelSha256,
        String role,
        String inputName,
        List<Integer> inputShape,
        String inputLayout,
        String normalisation,
        String decoderKind,
        List<String> classes,
        String licence,
        String source,
        long activatedAtNanos) implements SightlineEvent {
}
