package io.sightline.domain.release;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * What a release key signs for one registered artifact (ADR-0025): six {@code key=value} lines in a
 * fixed order, UTF-8, each ended by a line feed. Signing this statement rather than the bytes alone
 * binds the bytes to their kind, name, version and manifest, so a valid signature cannot be reused
 * to register the same weights under another version or with another manifest.
 *
 * <pre>
 * sightline-release-statement-v1
 * kind=model
 * name=yolox-nano
 * version=0.1.1rc0
 * sha256=695e…ab14
 * sizeBytes=3660092
 * manifestSha256=…   ("-" for a policy, which has no manifest)
 * </pre>
 *
 * Pure JDK (Ed25519 since Java 15), so the edge can verify what the cloud verified.
 */
public record ReleaseStatement(String kind, String name, String version, String sha256, long sizeBytes, String manifestSha256) {

    public static final String HEADER = "sightline-release-statement-v1";
    public static final String MODEL = "model";
    public static final String POLICY = "policy";
    public static final String NO_MANIFEST = "-";
    public static final String ALGORITHM = "Ed25519";
    /** Printable text without line breaks: a newline in a name would let one statement read as another. */
    private static final Pattern FIELD = Pattern.compile("[\\x21-\\x7e][\\x20-\\x7e]{0,254}");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    public ReleaseStatement {
        if (!MODEL.equals(kind) && !POLICY.equals(kind)) {
            throw new IllegalArgumentException("kind must be " + MODEL + " or " + POLICY + ", got " + kind);
        }
        requireField("name", name);
        requireField("version", version);
        if (sha256 == null || !SHA256.matcher(sha256).matches()) {
            throw new IllegalArgumentException("sha256 must be 64 lower-case hex digits, got " + sha256);
        }
        if (sizeBytes <= 0) {
            throw new IllegalArgumentException("sizeBytes must be > 0, got " + sizeBytes);
        }
        if (MODEL.equals(kind) ? manifestSha256 == null || !SHA256.matcher(manifestSha256).matches() : !NO_MANIFEST.equals(manifestSha256)) {
            throw new IllegalArgumentException("manifestSha256 must be 64 lower-case hex digits for a model and '-' for a policy, got "
                    + manifestSha256);
        }
    }

    private static void requireField(String field, String value) {
        if (value == null || !FIELD.matcher(value).matches()) {
            throw new IllegalArgumentException(field + " must be 1 to 255 printable ASCII characters without line breaks"
                    + " and not starting with a space, got '" + value + "'");
        }
    }

    /** The exact bytes signed. */
    public byte[] canonicalBytes() {
        return (HEADER + "\n" + "kind=" + kind + "\n" + "name=" + name + "\n" + "version=" + version + "\n" + "sha256=" + sha256 + "\n"
                + "sizeBytes=" + sizeBytes + "\n" + "manifestSha256=" + manifestSha256 + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /** Base64 of the Ed25519 signature of {@link #canonicalBytes()}. */
    public String sign(PrivateKey key) {
        try {
            Signature s = Signature.getInstance(ALGORITHM);
            s.initSign(key);
            s.update(canonicalBytes());
            return Base64.getEncoder().encodeToString(s.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot sign with this key (an " + ALGORITHM + " private key is needed): " + e.getMessage(), e);
        }
    }

    /** True only for a well-formed signature by {@code key} over this very statement. */
    public boolean verify(PublicKey key, String signatureBase64) {
        if (signatureBase64 == null) {
            return false;
        }
        try {
            byte[] sig = Base64.getDecoder().decode(signatureBase64);
            Signature s = Signature.getInstance(ALGORITHM);
            s.initVerify(key);
            s.update(canonicalBytes());
            return s.verify(sig);
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            return false;
        }
    }

    /** A public key's id: {@code ed25519:} and the first 16 hex digits of the sha256 of its X.509 encoding. */
    public static String keyId(PublicKey key) {
        return "ed25519:" + sha256Hex(key.getEncoded()).substring(0, 16);
    }

    public static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An X.509 public key, PEM ({@code -----BEGIN PUBLIC KEY-----}) or bare base64. */
    public static PublicKey publicKey(String pemOrBase64) {
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(der(pemOrBase64)));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalArgumentException("not an " + ALGORITHM + " public key in X.509 (PEM or base64): " + e.getMessage(), e);
        }
    }

    /** A PKCS#8 private key, PEM ({@code -----BEGIN PRIVATE KEY-----}) or bare base64. */
    public static PrivateKey privateKey(String pemOrBase64) {
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePrivate(new PKCS8EncodedKeySpec(der(pemOrBase64)));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            // Never the key text itself in the message: it may be a private key.
            throw new IllegalArgumentException("not an " + ALGORITHM + " private key in PKCS#8 (PEM or base64)", e);
        }
    }

    public static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static byte[] der(String text) {
        String body = text.replaceAll("-----(BEGIN|END) [A-Z ]+-----", "").replaceAll("\\s", "");
        return Base64.getDecoder().decode(body);
    }
}
