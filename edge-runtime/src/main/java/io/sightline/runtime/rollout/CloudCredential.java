package io.sightline.runtime.rollout;

import io.sightline.uplink.sign.DeviceIdentity;
import io.sightline.uplink.sign.DeviceRequestSigner;
import java.net.URI;
import java.util.function.Supplier;

/**
 * How a vehicle proves itself on its reads of the cloud (the assignment, the registry's artifacts): by default its
 * device key, which the cloud already holds for its batches (ADR-0042); a bearer token when an operator gives one.
 */
@FunctionalInterface
public interface CloudCredential {

    /** The {@code Authorization} header's value for {@code method uri}. */
    String authorization(String method, URI uri);

    static CloudCredential bearer(Supplier<String> token) {
        return (method, uri) -> "Bearer " + token.get();
    }

    static CloudCredential device(DeviceIdentity identity) {
        DeviceRequestSigner signer = new DeviceRequestSigner(identity);
        return signer::authorization;
    }
}
