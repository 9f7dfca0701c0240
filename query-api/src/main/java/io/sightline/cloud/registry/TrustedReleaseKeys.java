package io.sightline.cloud.registry;

import io.sightline.domain.release.ReleaseStatement;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The release public keys the registry accepts signatures from, by key id ({@link ReleaseStatement#keyId}). */
public final class TrustedReleaseKeys {

    private final Map<String, PublicKey> byId;

    public TrustedReleaseKeys(Map<String, PublicKey> byId) {
        this.byId = Collections.unmodifiableMap(new LinkedHashMap<>(byId));
    }

    public static TrustedReleaseKeys from(RegistryProperties properties) {
        Map<String, PublicKey> keys = new LinkedHashMap<>();
        for (String text : properties.trustedKeys()) {
            PublicKey key = parse(text, "sightline.registry.trusted-keys");
            keys.put(ReleaseStatement.keyId(key), key);
        }
        for (Path file : properties.trustedKeyFiles()) {
            String text;
            try {
                text = Files.readString(file, StandardCharsets.US_ASCII);
            } catch (IOException e) {
                throw new IllegalStateException("sightline.registry.trusted-key-files: cannot read " + file.toAbsolutePath() + " (" + e + ")", e);
            }
            PublicKey key = parse(text, "sightline.registry.trusted-key-files " + file.toAbsolutePath());
            keys.put(ReleaseStatement.keyId(key), key);
        }
        return new TrustedReleaseKeys(keys);
    }

    private static PublicKey parse(String text, String where) {
        try {
            return ReleaseStatement.publicKey(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(where + ": " + e.getMessage() + "; use the release.pub that ./sightline registry keygen wrote", e);
        }
    }

    public Optional<PublicKey> byId(String keyId) {
        return Optional.ofNullable(byId.get(keyId));
    }

    public Set<String> ids() {
        return byId.keySet();
    }
}
