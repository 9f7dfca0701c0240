package io.sightline.cloud.registry;

import java.nio.file.Path;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code sightline.registry.*}: the model and policy registry (issue 17 §1, ADR-0025).
 *
 * @param dir              the filesystem blob store's directory
 * @param maxArtifactBytes the largest artifact accepted (413 above it); 128 MiB holds the detectors an edge can run in real time
 * @param trustedKeys      release public keys (X.509, PEM or base64) whose signatures are accepted; the key id is derived from each
 * @param trustedKeyFiles  the same, as files (what {@code ./sightline registry keygen} writes as {@code release.pub})
 */
@ConfigurationProperties("sightline.registry")
public record RegistryProperties(@DefaultValue(".sightline/registry") Path dir, @DefaultValue("134217728") long maxArtifactBytes,
                                 List<String> trustedKeys, List<Path> trustedKeyFiles) {

    public RegistryProperties {
        trustedKeys = trustedKeys == null ? List.of() : List.copyOf(trustedKeys);
        trustedKeyFiles = trustedKeyFiles == null ? List.of() : List.copyOf(trustedKeyFiles);
        if (maxArtifactBytes <= 0) {
            throw new IllegalArgumentException("sightline.registry.max-artifact-bytes must be > 0, got " + maxArtifactBytes);
        }
    }
}
