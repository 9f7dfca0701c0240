package io.sightline.domain.event;

import java.util.List;
import org.axonframework.serialization.Revision;

/**
 * The edge cut the video evidence of one or more alerts' windows into a clip (ADR-0037): the
 * source's own compressed frames, remuxed into MP4 ({@code remux}), or encoded once for a source
 * that has no packets ({@code encode}). The clip's frame {@code k} (0-based, presentation order) is
 * the frame whose {@code FrameCaptured.frameIndex} is {@code firstFrameIndex + k}: the per-frame
 * reference a viewer seeks with and draws that frame's {@code DetectionObserved} boxes over.
 *
 * <p>Journaled when the window closes (T+10 s), so after the frames it covers; a
 * {@code FrameCaptured} cannot name its clip, which does not exist yet when the frame is journaled
 * (ADR-0037 says why this event, and not a new {@code FrameCaptured} revision, carries the reference).
 *
 * @param clipSha256            lower-case hex sha256 of the clip's bytes, the name it is stored, uploaded and served under
 * @param method                {@code remux} or {@code encode}
 * @param firstFrameIndex       source frame index of the clip's first frame (a keyframe at or before the window's first frame)
 * @param frameCount            frames in the clip
 * @param frameRateHz           the source's frame rate (0 when unknown), for a viewer that seeks by time
 * @param windowFirstFrameIndex first journaled frame of the alert windows the clip was cut for; the clip starts at or before
 *                              it (its keyframe), or after it when the edge's packet ring no longer held the window's start
 * @param windowLastFrameIndex  last frame of the alert windows
 * @param alertIds              the alerts whose windows the clip covers (overlapping windows share one clip)
 */
@Revision("1")
public record EvidenceClipRecorded(
        String clipSha256,
        String contentType,
        long sizeBytes,
        String method,
        long firstFrameIndex,
        int frameCount,
        double frameRateHz,
        long windowFirstFrameIndex,
        long windowLastFrameIndex,
        List<String> alertIds,
        long recordedAtNanos) implements SightlineEvent {

    public static final String REMUX = "remux";
    public static final String ENCODE = "encode";

    public EvidenceClipRecorded {
        if (!FrameCaptured.isSha256Hex(clipSha256)) {
            throw new IllegalArgumentException("clipSha256 must be 64 lower-case hex digits, got '" + clipSha256 + "'");
        }
        if (!REMUX.equals(method) && !ENCODE.equals(method)) {
            throw new IllegalArgumentException("method must be 'remux' or 'encode', got '" + method + "'");
        }
        if (frameCount < 1 || firstFrameIndex < 0) {
            throw new IllegalArgumentException("a clip holds at least one frame from index >= 0, got " + frameCount + " from "
                    + firstFrameIndex);
        }
        alertIds = List.copyOf(alertIds);
    }

    /** The offset in this clip of the frame with {@code frameIndex}, or -1 when the clip does not hold it. */
    public long offsetOf(long frameIndex) {
        long k = frameIndex - firstFrameIndex;
        return k >= 0 && k < frameCount ? k : -1;
    }
}
