package io.sightline.uplink.transport;

/**
 * The edge's answer to a window the cloud asked for (ADR-0027).
 *
 * @param status         {@code UPLOADED}: the journal's events of the window are in the cloud now;
 *                       {@code GONE}: retention already deleted them (or the journal never held the
 *                       session); {@code FAILED}: the cloud refused the window's batch (see detail)
 * @param uploadedEvents events of the window sent by this answer's batches (those already in the
 *                       cloud were acknowledged as duplicates)
 */
public record WindowAnswer(String requestId, String sessionId, String status, long uploadedEvents, long firstSequence,
                           long lastSequence, String detail) {

    public static final String UPLOADED = "UPLOADED";
    public static final String GONE = "GONE";
    public static final String FAILED = "FAILED";

    /** Where answers go; over MQTT they are published to {@code sightline/{fleet}/{vehicle}/windows/answer}. */
    @FunctionalInterface
    public interface Sink {
        Sink NONE = answer -> { };

        void answer(WindowAnswer answer) throws TransportException;

        /** Called on every upload pass: a transport that also receives requests keeps its subscription up. */
        default void keepListening() throws TransportException {
        }
    }

    /** A window the cloud asked for, as it arrives on {@code .../windows/request}. */
    public record Request(String requestId, String sessionId, long fromNanos, long toNanos) {
    }
}
