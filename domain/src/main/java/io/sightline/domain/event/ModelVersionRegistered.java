package io.sightline.domain.event;

import java.util.List;
import org.axonframework.serialization.Revision;

/**
 * A detector model version entered the cloud registry (issue 17 §1): its bytes are stored under
 * their sha256, its release signature verified against a trusted key, and its ONNX graph checked
 * against its manifest. Carries the manifest as uploaded, so an edge can rebuild the model
 * directory ({@code manifest.json} + weights) that {@code ModelLoader} activates.
 *
 * @param manifestJson     the manifest's bytes as uploaded and signed (UTF-8), the format of {@code models/*}{@code /manifest.json}
 * @param manifestSha256   sha256 of those bytes; part of the signed statement
 * @param signatureBase64  Ed25519 signature of the release statement (ADR-0025)
 * @param keyId            the release key that made it
 * @param registeredBy     the token's subject
 * @param causes           the {@code EvaluationCompleted} events that ran this model (by its sha256) when it was registered
 */
@Revision("1")
public record ModelVersionRegistered(
        String modelName,
        String modelVersion,
        String modelSha256,
        long sizeBytes,
        String manifestSha256,
        String manifestJson,
        String inputName,
        List<Integer> inputShape,
        String outputName,
        List<Integer> outputShape,
        String decoderKind,
        List<String> classes,
        String licence,
        String signatureBase64,
        String keyId,
        String registeredBy,
        long registeredAtNanos,
        List<String> causes) implements DerivedEvent {

    public ModelVersionRegistered {
        inputShape = List.copyOf(inputShape);
        outputShape = List.copyOf(outputShape);
        classes = List.copyOf(classes);
        causes = List.copyOf(causes);
    }
}
