package io.sightline.uplink.sign;

import io.sightline.domain.ingest.DeviceRequestCredential;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.util.function.LongSupplier;

/**
 * Signs a vehicle's reads of the cloud with its device key (ADR-0042): the credential for its assignment and the
 * registry's artifacts, so that a vehicle needs no bearer token of a person's role.
 */
public final class DeviceRequestSigner {

    private final DeviceIdentity identity;
    private final LongSupplier epochSeconds;

    public DeviceRequestSigner(DeviceIdentity identity) {
        this(identity, () -> System.currentTimeMillis() / 1000);
    }

    /** @param epochSeconds the vehicle's clock */
    public DeviceRequestSigner(DeviceIdentity identity, LongSupplier epochSeconds) {
        this.identity = identity;
        this.epochSeconds = epochSeconds;
    }

    /** The {@code Authorization} header's value for {@code method uri}, signed now. */
    public String authorization(String method, URI uri) {
        long now = epochSeconds.getAsLong();
        String pathAndQuery = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        try {
            Signature s = Signature.getInstance(DeviceIdentity.ALGORITHM);
            s.initSign(identity.privateKey());
            s.update(DeviceRequestCredential.signedBytes(identity.deviceId(), method, pathAndQuery, now));
            return new DeviceRequestCredential(identity.deviceId(), now, s.sign()).header();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 signing failed: " + e.getMessage(), e);
        }
    }

    public String deviceId() {
        return identity.deviceId();
    }
}
