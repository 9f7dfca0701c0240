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
 * @param decidingStills        revision 2 (ADR-0041): a still JPEG of each alert's deciding frame (the frame whose
 *                              {@code FrameCaptured} the alert was decided on), kept and uploaded with the clip so an
 *                              investigator has a picture without a video player; empty when none could be made, and for
 *                              revision 1 (upcast)
 * @param windowFramesNotKept   revision 3 (ADR-0041): frames of {@code windowFirstFrameIndex}…{@code windowLastFrameIndex}
 *                              the edge's frame ring did not keep because an earlier window's clip was being encoded and a
 *                              live source cannot wait (the clip starts after the last such gap); frames older than the ring
 *                              holds are not counted here (the clip's start against {@code windowFirstFrameIndex} shows them).
 *                              0 for a remuxed clip, and for revisions 1 and 2 (upcast); optional on the wire (an older edge
 *                              sends none)
 */
@Revision("3")
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
        long recordedAtNanos,
        @OptionalField List<DecidingStill> decidingStills,
        @OptionalField Long windowFramesNotKept) implements SightlineEvent {

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
        windowFramesNotKept = windowFramesNotKept == null ? 0L : windowFramesNotKept;
        if (windowFramesNotKept < 0) {
            throw new IllegalArgumentException("windowFramesNotKept must be >= 0, got " + windowFramesNotKept);
        }
        alertIds = List.copyOf(alertIds);
        decidingStills = decidingStills == null ? List.of() : List.copyOf(decidingStills);
        for (DecidingStill still : decidingStills) {
            if (!alertIds.contains(still.alertId())) {
                throw new IllegalArgumentException("a deciding still names alert " + still.alertId() + ", which the clip does not cover");
            }
        }
    }

    /**
     * The still JPEG of the frame an alert was decided on: the camera's picture (no boxes drawn: the
     * viewer draws them from that frame's {@code DetectionObserved}), at the clip's size or the edge's
     * evidence size.
     *
     * @param frameIndex the deciding frame's {@code FrameCaptured.frameIndex}
     * @param sha256     lower-case hex sha256 of the JPEG, the name it is stored, uploaded and served under
     */
    public record DecidingStill(String alertId, long frameIndex, String sha256, long sizeBytes, int widthPx, int heightPx) {
        public DecidingStill {
            if (!FrameCaptured.isSha256Hex(sha256)) {
                throw new IllegalArgumentException("a deciding still's sha256 must be 64 lower-case hex digits, got '" + sha256 + "'");
            }
            if (frameIndex < 0 || sizeBytes < 1 || widthPx < 1 || heightPx < 1) {
                throw new IllegalArgumentException("a deciding still needs a frame index >= 0, bytes and a size, got frame " + frameIndex
                        + ", " + sizeBytes + " bytes, " + widthPx + "x" + heightPx);
            }
        }
    }

    /** As revision 2 made it: no frame of the window given up to an encode. */
    public EvidenceClipRecorded(String clipSha256, String contentType, long sizeBytes, String method, long firstFrameIndex, int frameCount,
                                double frameRateHz, long windowFirstFrameIndex, long windowLastFrameIndex, List<String> alertIds,
                                long recordedAtNanos, List<DecidingStill> decidingStills) {
        this(clipSha256, contentType, sizeBytes, method, firstFrameIndex, frameCount, frameRateHz, windowFirstFrameIndex,
                windowLastFrameIndex, alertIds, recordedAtNanos, decidingStills, 0L);
    }

    /** The still of {@code alertId}'s deciding frame, or null when the clip carries none. */
    public DecidingStill stillOf(String alertId) {
        for (DecidingStill s : decidingStills) {
            if (s.alertId().equals(alertId)) {
                return s;
            }
        }
        return null;
    }

    /** The offset in this clip of the frame with {@code frameIndex}, or -1 when the clip does not hold it. */
    public long offsetOf(long frameIndex) {
        long k = frameIndex - firstFrameIndex;
        return k >= 0 && k < frameCount ? k : -1;
    }
}
