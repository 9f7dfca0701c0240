package io.sightline.cloud.registry;

import io.sightline.domain.release.ReleaseStatement;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.ByteBuffer;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Blobs as files {@code <dir>/<first two hex digits>/<sha256>}. A write goes to a temporary file in
 * the same directory, is forced to disk, then renamed over the final name: a crash leaves a stray
 * temporary file, never a short blob under a real name.
 */
public final class FileSystemBlobStore implements BlobStore {

    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private final Path dir;

    public FileSystemBlobStore(Path dir) {
        this.dir = dir.toAbsolutePath();
    }

    public Path dir() {
        return dir;
    }

    private Path pathOf(String sha256) {
        if (sha256 == null || !SHA256.matcher(sha256).matches()) {
            throw new IllegalArgumentException("a blob name is a sha256 of 64 lower-case hex digits, got " + sha256);
        }
        return dir.resolve(sha256.substring(0, 2)).resolve(sha256);
    }

    @Override
    public boolean put(String sha256, byte[] bytes) throws IOException {
        Path target = pathOf(sha256);
        String actual = ReleaseStatement.sha256Hex(bytes);
        if (!actual.equals(sha256)) {
            throw new IllegalArgumentException("bytes with sha256 " + actual + " cannot be stored as " + sha256);
        }
        if (Files.isRegularFile(target) && get(sha256).isPresent()) {
            return false;
        }
        Files.createDirectories(target.getParent());
        Path temp = Files.createTempFile(target.getParent(), "." + sha256.substring(0, 8) + "-", ".part");
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the blob directory " + dir + " does not support atomic renames; put it on a local filesystem", e);
            }
            return true;
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    @Override
    public Optional<byte[]> get(String sha256) throws IOException {
        Path path = pathOf(sha256);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        String actual = ReleaseStatement.sha256Hex(bytes);
        if (!actual.equals(sha256)) {
            throw new CorruptBlobException("blob " + path + " hashes to " + actual + ", not its name: the file was changed or damaged;"
                    + " register the artifact again to restore it");
        }
        return Optional.of(bytes);
    }

    @Override
    public boolean contains(String sha256) {
        return Files.isRegularFile(pathOf(sha256));
    }
}
