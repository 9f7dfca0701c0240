package io.sightline.cloud.evidence;

/** Unknown evidence, or another fleet's: both are answered alike (404), so other fleets' blobs stay invisible. */
public class EvidenceNotFoundException extends RuntimeException {

    public EvidenceNotFoundException(String message) {
        super(message);
    }
}
