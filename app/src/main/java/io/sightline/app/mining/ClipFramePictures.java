package io.sightline.app.mining;

import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;

import io.sightline.cloud.evidence.AlertEvidenceService;
import io.sightline.cloud.mining.MiningExport;
import io.sightline.cloud.mining.MiningResult.Candidate;
import io.sightline.domain.event.EvidenceClipRecorded;
import io.sightline.explain.EventLookup;
import io.sightline.explain.StoredEvent;
import io.sightline.inference.FrameSource;
import io.sightline.inference.VideoFrame;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;

/**
 * The mining export's pictures of frames recorded with evidence as video (ADR-0037): the frame is
 * decoded from its alert window's clip, the source's own compressed frames, so the picture is the
 * camera's pixels with nothing drawn on it, which is what a labelling tool and a training set want.
 *
 * <p>Each clip is decoded once, front to back, keeping the frames asked for: the candidates come in
 * rank order, and seeking a clip per candidate would decode its first group of pictures again each
 * time. A frame is in a clip when {@link EvidenceClipRecorded#offsetOf} says so; a frame no clip
 * holds (outside every alert window, or a clip the fleet does not hold) gets no picture and stays
 * {@code MISSING} in the manifest.
 *
 * <p>A frame that is an alert's deciding frame takes the still JPEG the edge kept of it instead
 * (ADR-0041, {@code DECIDING_STILL}): the camera's pixels before any encode, with no decode at all;
 * when the fleet does not hold the still, the frame is decoded from its clip as any other.
 */
final class ClipFramePictures implements MiningExport.FramePictures {

    /** The evidence JPEGs' quality (EvidenceStage): the same picture quality whichever form a session used. */
    static final int JPEG_QUALITY = 80;

    /** A stored blob's bytes by sha256 within a fleet, or empty when the fleet does not hold it. */
    @FunctionalInterface
    interface Blobs {
        Optional<byte[]> bytes(String sha256, String fleetId);
    }

    private final EventLookup events;
    private final Blobs blobs;

    ClipFramePictures(EventLookup events, AlertEvidenceService evidence) {
        this(events, (sha, fleet) -> evidence.blob(sha, fleet).map(AlertEvidenceService.Blob::bytes));
    }

    ClipFramePictures(EventLookup events, Blobs blobs) {
        this.events = events;
        this.blobs = blobs;
    }

    @Override
    public Map<String, MiningExport.Picture> pictures(List<Candidate> candidates, String fleetId) {
        // clip sha256 → (offset → the frame event ids wanting it); one clip may serve several candidates
        Map<String, TreeMap<Long, List<String>>> wanted = new LinkedHashMap<>();
        Map<String, List<EvidenceClipRecorded>> clipsOfSession = new HashMap<>();
        Map<String, MiningExport.Picture> out = new HashMap<>();
        for (Candidate c : candidates) {
            List<EvidenceClipRecorded> clips = clipsOfSession.computeIfAbsent(c.sessionId(), s -> events.sessionEvents(s, Long.MIN_VALUE,
                    Long.MAX_VALUE, Set.of(EvidenceClipRecorded.class)).stream().map(e -> (EvidenceClipRecorded) e.payload()).toList());
            MiningExport.Picture still = decidingStill(clips, c.frameIndex(), fleetId);
            if (still != null) {
                out.put(c.frameEventId(), still);
                continue;
            }
            for (EvidenceClipRecorded clip : clips) {
                long offset = clip.offsetOf(c.frameIndex());
                if (offset >= 0) {
                    wanted.computeIfAbsent(clip.clipSha256(), k -> new TreeMap<>()).computeIfAbsent(offset, k -> new ArrayList<>())
                            .add(c.frameEventId());
                    break;
                }
            }
        }
        for (Map.Entry<String, TreeMap<Long, List<String>>> e : wanted.entrySet()) {
            Optional<byte[]> blob = blobs.bytes(e.getKey(), fleetId);
            if (blob.isPresent()) {
                decode(e.getKey(), blob.get(), e.getValue(), out);
            }
        }
        return out;
    }

    /** The still of an alert whose deciding frame is {@code frameIndex}, when a clip names one and the fleet holds it; else null. */
    private MiningExport.Picture decidingStill(List<EvidenceClipRecorded> clips, long frameIndex, String fleetId) {
        for (EvidenceClipRecorded clip : clips) {
            for (EvidenceClipRecorded.DecidingStill still : clip.decidingStills()) {
                if (still.frameIndex() != frameIndex) {
                    continue;
                }
                Optional<byte[]> jpeg = blobs.bytes(still.sha256(), fleetId);
                if (jpeg.isPresent()) {
                    return new MiningExport.Picture(jpeg.get(), still.widthPx(), still.heightPx(), MiningExport.ImageKind.DECIDING_STILL);
                }
            }
        }
        return null;
    }

    private static void decode(String sha256, byte[] clip, TreeMap<Long, List<String>> wanted, Map<String, MiningExport.Picture> out) {
        Path file = null;
        try {
            // FFmpeg reads a file or URL; the clip is small (an alert window, a few MB).
            file = Files.createTempFile("sightline-clip-" + sha256.substring(0, 12), ".mp4");
            Files.write(file, clip);
            long last = wanted.lastKey();
            try (FrameSource source = FrameSource.open(file.toString(), FrameSource.Options.defaults());
                 IntPointer params = new IntPointer(IMWRITE_JPEG_QUALITY, JPEG_QUALITY);
                 BytePointer encoded = new BytePointer()) {
                VideoFrame f;
                for (long k = 0; k <= last && (f = source.next()) != null; k++) {
                    List<String> frames = wanted.get(k);
                    if (frames == null) {
                        continue;
                    }
                    if (!imencode(".jpg", f.image(), encoded, params)) {
                        throw new IllegalStateException("cannot encode frame " + k + " of clip " + sha256 + " as JPEG");
                    }
                    byte[] jpeg = new byte[(int) encoded.limit()];
                    encoded.get(jpeg);
                    MiningExport.Picture p = new MiningExport.Picture(jpeg, f.width(), f.height());
                    frames.forEach(id -> out.put(id, p));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot decode evidence clip " + sha256 + ": " + e.getMessage(), e);
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // a temporary file left behind is not worth failing an export for
                }
            }
        }
    }
}
