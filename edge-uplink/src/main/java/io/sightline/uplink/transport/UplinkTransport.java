package io.sightline.uplink.transport;

import io.sightline.uplink.sign.SignedBatch;

/**
 * Carries one signed batch to the cloud and returns its answer. Implementations: HTTP, MQTT, and
 * in-process (the all-in-one app adapts the cloud's ingestion to this interface, since this module
 * may not depend on the cloud).
 *
 * <p>A reply means the cloud decided; {@link TransportException} means it is unknown whether the
 * batch arrived, and the uploader sends it again later (duplicates are acknowledged, not stored).
 */
@FunctionalInterface
public interface UplinkTransport extends AutoCloseable {

    UplinkReply send(SignedBatch batch) throws TransportException;

    @Override
    default void close() {
    }
}
