package io.sightline.cloud.registry;

import java.io.IOException;
import java.util.Optional;

/**
 * Artifact bytes, content-addressed by their sha256 (ADR-0025). The filesystem is the default
 * ({@link FileSystemBlobStore}); an object store can take its place behind this interface.
 */
public interface BlobStore {

    /**
     * Stores {@code bytes} under {@code sha256}, which must be theirs. A writer never leaves a
     * partial blob: a reader sees all of it or none.
     *
     * @return false when the blob was already stored
     */
    boolean put(String sha256, byte[] bytes) throws IOException;

    /** The bytes, checked against their sha256 on every read; empty when absent. */
    Optional<byte[]> get(String sha256) throws IOException;

    boolean contains(String sha256) throws IOException;

    /** A stored blob whose bytes no longer hash to its name: refused rather than served. */
    final class CorruptBlobException extends IOException {
        public CorruptBlobException(String message) {
            super(message);
        }
    }
}
