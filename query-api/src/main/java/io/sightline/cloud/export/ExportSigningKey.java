package io.sightline.cloud.export;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The exporting service's Ed25519 key. Kept in a file readable by its owner only and generated on
 * first use, so exports made across restarts verify against one published public key.
 */
@Component
public class ExportSigningKey {

    private final KeyPair keyPair;
    private final Path file;

    public ExportSigningKey(@Value("${sightline.export.key-file:${sightline.home:.}/.sightline/export-signing-key}") String keyFile) {
        this.file = Path.of(keyFile).toAbsolutePath().normalize();
        this.keyPair = loadOrCreate(file);
    }

    public PublicKey publicKey() {
        return keyPair.getPublic();
    }

    PrivateKey privateKey() {
        return keyPair.getPrivate();
    }

    public Path file() {
        return file;
    }

    /** The public key as a PEM block, to publish for auditors. */
    public String publicKeyPem() {
        return "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(publicKey().getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
    }

    private static KeyPair loadOrCreate(Path file) {
        try {
            KeyFactory factory = KeyFactory.getInstance("Ed25519");
            if (Files.exists(file)) {
                List<String> lines = Files.readAllLines(file);
                if (lines.size() < 2) {
                    throw new IllegalStateException("export signing key " + file + " is damaged (expected 2 lines); restore it from"
                            + " backup, or move it away to create a new key (old exports then verify only with the old public key)");
                }
                PrivateKey priv = factory.generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(lines.get(0))));
                PublicKey pub = factory.generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(lines.get(1))));
                return new KeyPair(pub, priv);
            }
            KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.write(tmp, List.of(Base64.getEncoder().encodeToString(pair.getPrivate().getEncoded()),
                    Base64.getEncoder().encodeToString(pair.getPublic().getEncoded())));
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // Not a POSIX file system: the directory's permissions are all there is.
            }
            Files.move(tmp, file);
            return pair;
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException("cannot load or create the export signing key " + file + ": " + e.getMessage(), e);
        }
    }
}
