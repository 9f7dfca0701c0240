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
 * @param causes          what made the edge switch to this model within a run: the id of the cloud's
 *                        {@code VehicleAssigned} it followed (issue 17 §2, ADR-0035); empty for a model
 *                        activated at start-up. Revision 1 payloads had no causes and read as empty.
 */
@Revision("2")
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
        long activatedAtNanos,
        List<String> causes) implements DerivedEvent {

    public ModelActivated {
        causes = causes == null ? List.of() : List.copyOf(causes);
    }

    /** An activation no event caused (start-up, the fallback chain). */
    public ModelActivated(String modelName, String modelVersion, String modelSha256, String role, String inputName,
                          List<Integer> inputShape, String inputLayout, String normalisation, String decoderKind, List<String> classes,
                          String licence, String source, long activatedAtNanos) {
        this(modelName, modelVersion, modelSha256, role, inputName, inputShape, inputLayout, normalisation, decoderKind, classes, licence,
                source, activatedAtNanos, List.of());
    }

    /** This activation, caused by {@code causes} (the assignment the edge followed). */
    public ModelActivated withCauses(List<String> causes) {
        return new ModelActivated(modelName, modelVersion, modelSha256, role, inputName, inputShape, inputLayout, normalisation, decoderKind,
                classes, licence, source, activatedAtNanos, causes);
    }
}
