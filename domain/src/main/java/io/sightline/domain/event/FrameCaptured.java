package io.sightline.domain.event;

import org.axonframework.serialization.Revision;

/**
 * One video frame entered the edge pipeline.
 *
 * <p>Revision 2 added {@code evidenceSha256} (ADR-0008); {@code FrameCapturedEvidenceUpcaster}
 * gives older revisions {@code null}.
 *
 * @param captureTimeNanos container timestamp for files, the capture clock for live sources
 * @param sourceId         file name (without its directories), stream URL (without credentials, query
 *                         or fragment) or device the frame came from: it leaves the vehicle, so it names
 *                         the source without the edge's file system or secrets
 * @param evidenceSha256   lower-case hex sha256 of the evidence JPEG (the frame with its boxes drawn)
 *                         the edge keeps for this frame, or {@code null} when it keeps none
 */
@Revision("2")
public record FrameCaptured(
        String frameId,
        long frameIndex,
        long captureTimeNanos,
        int widthPx,
        int heightPx,
        String sourceId,
        @OptionalField String evidenceSha256) implements SightlineEvent {

    public FrameCaptured {
        if (evidenceSha256 != null && !isSha256Hex(evidenceSha256)) {
            throw new IllegalArgumentException("evidenceSha256 must be 64 lower-case hex digits or null, got '" + evidenceSha256 + "'");
        }
    }

    /** A frame without evidence. */
    public FrameCaptured(String frameId, long frameIndex, long captureTimeNanos, int widthPx, int heightPx, String sourceId) {
        this(frameId, frameIndex, captureTimeNanos, widthPx, heightPx, sourceId, null);
    }

    public FrameCaptured withEvidence(String sha256) {
        return new FrameCaptured(frameId, frameIndex, captureTimeNanos, widthPx, heightPx, sourceId, sha256);
    }

    /** True for exactly 64 lower-case hex digits, the only spelling evidence is stored and addressed under. */
    public static boolean isSha256Hex(String s) {
        if (s == null || s.length() != 64) {
            return false;
        }
        for (int i = 0; i < 64; i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }
}
