package io.sightline.uplink.evidence;

/**
 * The cloud's decision on one evidence upload. {@code STORED}: it holds the blob now (also when it
 * already did); {@code RETRY}: not now (its session's events have not arrived yet, or the store is
 * busy), send again later; {@code REJECTED}: a resend of the same bytes cannot succeed.
 */
public record EvidenceReply(Status status, String reason, String detail) {

    public enum Status { STORED, RETRY, REJECTED }

    public static EvidenceReply stored() {
        return new EvidenceReply(Status.STORED, null, null);
    }

    public static EvidenceReply retry(String reason, String detail) {
        return new EvidenceReply(Status.RETRY, reason, detail);
    }

    public static EvidenceReply rejected(String reason, String detail) {
        return new EvidenceReply(Status.REJECTED, reason, detail);
    }
}
