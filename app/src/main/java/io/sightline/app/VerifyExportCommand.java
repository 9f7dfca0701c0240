package io.sightline.app;

import io.sightline.domain.audit.AuditChain;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code sightline verify-export FILE}: checks an audit export's hash chain and manifest signature
 * offline. Exit 0 when intact, 1 naming the first bad record otherwise.
 */
@Command(name = "verify-export", description = "Verify an audit export's hash chain and signature; names the first bad record.")
public class VerifyExportCommand implements Callable<Integer> {

    @Parameters(index = "0", description = "The .ndjson export.")
    Path file;

    @Option(names = "--public-key", description = "The exporter's public key (PEM, from GET /api/v1/exports/public-key)."
            + " Without it the key inside the manifest is used and its fingerprint printed for you to compare.")
    Path publicKey;

    @Override
    public Integer call() throws Exception {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("no such export file: " + file);
        }
        AuditChain.Verification v = AuditChain.verify(lines, publicKey == null ? null : readPem(publicKey));
        if (!v.valid()) {
            System.err.println("sightline: export " + file + " FAILED verification at line " + v.firstBadLine() + ": " + v.problem());
            return 1;
        }
        System.out.printf("export %s is intact: %d record(s), hash chain and manifest signature valid%n", file, v.records());
        if (publicKey == null) {
            System.out.println("signed by key fingerprint " + v.publicKeyFingerprint()
                    + " (compare with the exporter's published key, or pass --public-key)");
        }
        return 0;
    }

    private static PublicKey readPem(Path pem) throws Exception {
        String body = Files.readString(pem).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        try {
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(body)));
        } catch (IllegalArgumentException | java.security.spec.InvalidKeySpecException e) {
            throw new IllegalArgumentException(pem + " is not an Ed25519 public key in PEM form: " + e.getMessage());
        }
    }
}
