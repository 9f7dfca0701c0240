package io.sightline.uplink.sign;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
import java.util.Properties;

/**
 * A device's Ed25519 key pair, kept in a key file on the edge. The cloud holds only the public
 * key, registered by an administrator ({@link #publicKeyBase64()} is what to register).
 */
public final class DeviceIdentity {

    public static final String ALGORITHM = "Ed25519";

    private final String deviceId;
    private final KeyPair keyPair;

    public DeviceIdentity(String deviceId, KeyPair keyPair) {
        if (deviceId == null || deviceId.isBlank()) {
            throw new IllegalArgumentException("deviceId must not be blank");
        }
        this.deviceId = deviceId;
        this.keyPair = keyPair;
    }

    public static DeviceIdentity generate(String deviceId) {
        try {
            return new DeviceIdentity(deviceId, KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("This JDK cannot generate Ed25519 keys (needs JDK 15+): " + e.getMessage(), e);
        }
    }

    /**
     * Loads the key file, or creates it with a new key pair when absent. The file is written
     * atomically and readable by its owner only, so a crash never leaves half a key behind.
     */
    public static DeviceIdentity loadOrCreate(Path keyFile, String deviceId) {
        try {
            if (Files.exists(keyFile)) {
                DeviceIdentity loaded = load(keyFile);
                if (!loaded.deviceId.equals(deviceId)) {
                    throw new IllegalStateException("Key file " + keyFile + " belongs to device " + loaded.deviceId + ", not " + deviceId
                            + "; point the edge at its own key file or fix the configured device id.");
                }
                return loaded;
            }
            DeviceIdentity created = generate(deviceId);
            created.save(keyFile);
            return created;
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read or write the device key file " + keyFile + ": " + e.getMessage(), e);
        }
    }

    static DeviceIdentity load(Path keyFile) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(keyFile, StandardCharsets.UTF_8)) {
            p.load(r);
        }
        String id = p.getProperty("deviceId");
        String priv = p.getProperty("privateKeyPkcs8");
        String pub = p.getProperty("publicKeyX509");
        if (id == null || priv == null || pub == null || !ALGORITHM.equals(p.getProperty("algorithm"))) {
            throw new IOException("not a Sightline Ed25519 device key file (needs deviceId, algorithm=Ed25519, privateKeyPkcs8,"
                    + " publicKeyX509); move it away to have a new key generated, then register the new public key");
        }
        try {
            KeyFactory kf = KeyFactory.getInstance(ALGORITHM);
            PrivateKey privateKey = kf.generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(priv)));
            PublicKey publicKey = kf.generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(pub)));
            return new DeviceIdentity(id, new KeyPair(publicKey, privateKey));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IOException("the key file holds an unreadable key: " + e.getMessage(), e);
        }
    }

    void save(Path keyFile) throws IOException {
        Path dir = keyFile.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".device-key", ".tmp");
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        }
        Properties p = new Properties();
        p.setProperty("deviceId", deviceId);
        p.setProperty("algorithm", ALGORITHM);
        p.setProperty("privateKeyPkcs8", Base64.getEncoder().encodeToString(keyPair.getPrivate().getEncoded()));
        p.setProperty("publicKeyX509", publicKeyBase64());
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            p.store(w, "Sightline device key. Keep private; register publicKeyX509 with the cloud.");
        }
        try {
            Files.move(tmp, keyFile, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, keyFile, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    public String deviceId() {
        return deviceId;
    }

    public PublicKey publicKey() {
        return keyPair.getPublic();
    }

    PrivateKey privateKey() {
        return keyPair.getPrivate();
    }

    /** The X.509 SubjectPublicKeyInfo of the public key, Base64: what the cloud registers. */
    public String publicKeyBase64() {
        return Base64.getEncoder().encodeToString(keyPair.getPublic().getEncoded());
    }
}
