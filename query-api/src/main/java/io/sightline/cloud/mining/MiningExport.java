package io.sightline.cloud.mining;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sightline.cloud.evidence.AlertEvidenceService;
import io.sightline.cloud.evidence.AlertEvidenceService.StoredJpeg;
import io.sightline.cloud.mining.MiningResult.Candidate;
import io.sightline.cloud.mining.MiningResult.FrameContent;
import io.sightline.cloud.mining.MiningResult.Reason;
import io.sightline.domain.event.BoxPx;
import io.sightline.domain.event.DetectionObserved;
import io.sightline.domain.event.ModelActivated;
import io.sightline.domain.event.TrackState;
import io.sightline.domain.event.TrackUpdated;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.springframework.stereotype.Service;

/**
 * Writes a {@link MiningResult} as a training set in COCO, YOLO or MOTChallenge layout, with the
 * frames' JPEGs and a manifest (docs/mining.md, ADR-0022).
 *
 * <p>Labels are pre-labels, never passed off as ground truth (ADR-0022): Sightline has no human
 * boxes, so the label files hold the detections a confirmed track took in (the tracker's temporal
 * evidence that the object is real), each marked as a pre-label for an annotator to correct; the
 * model's raw output, every detection with its score, goes to a separate predictions file.
 */
@Service
public class MiningExport {

    public static final int MANIFEST_SCHEMA = 1;
    public static final String LABELS_ARE = "pre-labels for annotators: the detections a confirmed track took in on the frame (tracker-"
            + "confirmed model output, NOT human ground truth; correct them before training or evaluating). The raw model predictions,"
            + " with scores, are in the separate predictions file.";

    /** How a frame's picture came to be in the export; written per frame into the manifest. */
    public enum ImageKind {
        /** The evidence JPEG with the detector's boxes and labels drawn in: for annotators to look at, not to train on. */
        EVIDENCE_BOXES_DRAWN,
        /** The evidence JPEG of a frame without detections: nothing was drawn on it. */
        EVIDENCE_NOTHING_DRAWN,
        /** The cloud holds no picture of the frame (only alert windows leave the vehicle, ADR-0008): fetch it from the device by sourceId and frameIndex. */
        MISSING,
        /**
         * The camera's own pixels, decoded from the alert window's evidence clip (ADR-0037): nothing
         * drawn, the picture a model is trained on.
         */
        CAMERA_FRAME_FROM_CLIP,
        /**
         * The still JPEG the edge kept of an alert's deciding frame (ADR-0041): the camera's pixels
         * before any encode, nothing drawn, at the clip's size for a camera's encoded clip; used
         * instead of decoding the clip when the frame is one.
         */
        DECIDING_STILL
    }

    /** A picture of a frame from somewhere other than the evidence JPEGs, in the frame's own pixels, and where it came from. */
    public record Picture(byte[] jpeg, int widthPx, int heightPx, ImageKind kind) {
        /** A frame decoded from its alert window's clip. */
        public Picture(byte[] jpeg, int widthPx, int heightPx) {
            this(jpeg, widthPx, heightPx, ImageKind.CAMERA_FRAME_FROM_CLIP);
        }
    }

    /**
     * Pictures of frames that have no evidence JPEG. Sessions recorded with evidence as video
     * (ADR-0037) keep the alert window's clip instead; decoding it needs a video decoder, which the
     * cloud does not carry, so the command that writes the export supplies one.
     */
    public interface FramePictures {
        FramePictures NONE = (candidates, fleetId) -> Map.of();

        /** Pictures by frame event id for those {@code candidates} it can give; called once per export, so one pass per clip. */
        Map<String, Picture> pictures(List<Candidate> candidates, String fleetId);
    }

    private final AlertEvidenceService evidence;
    private final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public MiningExport(AlertEvidenceService evidence) {
        this.evidence = evidence;
    }

    /** One chosen frame as the export writes it. */
    private record Frame(Candidate candidate, FrameContent content, String name, ImageKind kind, byte[] jpeg, int widthPx, int heightPx,
                         double scaleX, double scaleY) {
    }

    /** What was written, for the command's summary. */
    public record Written(Path dir, int frames, int images, int missingImages, int labels, int predictions) {
    }

    public Written write(MiningResult result, ExportFormat format, Path dir) {
        return write(result, format, dir, FramePictures.NONE);
    }

    /** As {@link #write(MiningResult, ExportFormat, Path)}, with {@code pictures} for the frames without an evidence JPEG. */
    public Written write(MiningResult result, ExportFormat format, Path dir, FramePictures pictures) {
        try {
            Files.createDirectories(dir);
            List<Frame> frames = frames(result, pictures);
            int labels = switch (format) {
                case COCO -> writeCoco(result, frames, dir);
                case YOLO -> writeYolo(result, frames, dir);
                case MOT -> writeMot(result, frames, dir);
            };
            int predictions = frames.stream().mapToInt(f -> f.content().detections().size()).sum();
            writeManifest(result, format, frames, dir);
            int images = (int) frames.stream().filter(f -> f.jpeg() != null).count();
            return new Written(dir, frames.size(), images, frames.size() - images, labels, predictions);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the export to " + dir, e);
        }
    }

    private List<Frame> frames(MiningResult result, FramePictures pictures) {
        List<Candidate> withoutJpeg = result.candidates().stream().filter(c -> c.evidenceSha256() == null).toList();
        Map<String, Picture> decoded = withoutJpeg.isEmpty() ? Map.of() : pictures.pictures(withoutJpeg, result.request().fleetId());
        return result.candidates().stream().map(c -> {
            FrameContent content = result.content().get(c.frameEventId());
            String name = safe(c.sessionId()) + "_" + String.format(Locale.ROOT, "%06d", c.frameIndex());
            Optional<StoredJpeg> jpeg = c.evidenceSha256() == null ? Optional.empty()
                    : evidence.stored(c.evidenceSha256(), result.request().fleetId());
            if (jpeg.isEmpty()) {
                Picture p = decoded.get(c.frameEventId());
                if (p != null) {
                    return new Frame(c, content, name, p.kind(), p.jpeg(), p.widthPx(), p.heightPx(),
                            (double) p.widthPx() / c.widthPx(), (double) p.heightPx() / c.heightPx());
                }
                return new Frame(c, content, name, ImageKind.MISSING, null, c.widthPx(), c.heightPx(), 1, 1);
            }
            StoredJpeg j = jpeg.get();
            // The edge downscales wide frames to at most 960 px (ADR-0008): boxes are scaled to the picture.
            return new Frame(c, content, name, content.detections().isEmpty() ? ImageKind.EVIDENCE_NOTHING_DRAWN : ImageKind.EVIDENCE_BOXES_DRAWN,
                    j.bytes(), j.widthPx(), j.heightPx(), (double) j.widthPx() / c.widthPx(), (double) j.heightPx() / c.heightPx());
        }).toList();
    }

    static String safe(String s) {
        return s.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    /**
     * The labels of a frame: each confirmed track's detection on it, in the detection's class. The
     * track's class is the edge's coarser grouping (its vote over ObjectClass, with "motorbike" and
     * "other"), which is not the model's vocabulary that the class ids follow; it is kept beside.
     */
    private static List<Label> labels(FrameContent content) {
        Map<String, DetectionObserved> byId = new LinkedHashMap<>();
        content.detections().forEach(d -> byId.put(d.detectionId(), d));
        List<Label> out = new java.util.ArrayList<>();
        for (TrackUpdated u : content.tracks()) {
            if (u.state() != TrackState.CONFIRMED || u.causes().isEmpty()) {
                continue;
            }
            DetectionObserved d = byId.get(u.causes().get(0));
            if (d != null) {
                out.add(new Label(u.trackId(), d.className(), u.className(), d.boxPx(), d.detectionId()));
            }
        }
        return out;
    }

    private record Label(String trackId, String className, String trackClassName, BoxPx boxPx, String detectionId) {
    }

    private static int classIndex(MiningResult result, String className) {
        return result.classes().indexOf(className);
    }

    private void writeImage(Frame f, Path file) throws IOException {
        if (f.jpeg() != null) {
            Files.createDirectories(file.getParent());
            Files.write(file, f.jpeg());
        }
    }

    private static double[] xywh(Frame f, BoxPx b) {
        return new double[] {round(b.x1() * f.scaleX()), round(b.y1() * f.scaleY()), round(b.widthPx() * f.scaleX()),
                round(b.heightPx() * f.scaleY())};
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private int writeCoco(MiningResult result, List<Frame> frames, Path dir) throws IOException {
        ObjectNode coco = json.createObjectNode();
        ObjectNode info = coco.putObject("info");
        info.put("description", "Sightline hard-example mining, fleet " + result.request().fleetId());
        info.put("labels", LABELS_ARE);
        info.put("manifest", "manifest.json");
        ArrayNode images = coco.putArray("images");
        ArrayNode annotations = coco.putArray("annotations");
        ArrayNode categories = coco.putArray("categories");
        for (int i = 0; i < result.classes().size(); i++) {
            categories.addObject().put("id", i + 1).put("name", result.classes().get(i)).put("supercategory", "object");
        }
        ArrayNode predictions = json.createArrayNode();
        int annotationId = 1;
        int imageId = 1;
        for (Frame f : frames) {
            String file = "images/" + f.name() + ".jpg";
            writeImage(f, dir.resolve(file));
            ObjectNode image = images.addObject();
            image.put("id", imageId).put("file_name", file).put("width", f.widthPx()).put("height", f.heightPx());
            image.put("sightline_frame_id", f.candidate().frameId()).put("sightline_image", f.kind().name());
            for (Label l : labels(f.content())) {
                int cls = classIndex(result, l.className());
                double[] b = xywh(f, l.boxPx());
                ObjectNode a = annotations.addObject();
                a.put("id", annotationId++).put("image_id", imageId).put("category_id", cls + 1);
                a.putArray("bbox").add(b[0]).add(b[1]).add(b[2]).add(b[3]);
                a.put("area", round(b[2] * b[3])).put("iscrowd", 0);
                a.put("sightline_prelabel", "tracker-confirmed").put("track_id", l.trackId()).put("track_class", l.trackClassName())
                        .put("detection_id", l.detectionId());
            }
            for (DetectionObserved d : f.content().detections()) {
                double[] b = xywh(f, d.boxPx());
                ObjectNode p = predictions.addObject();
                p.put("image_id", imageId).put("category_id", classIndex(result, d.className()) + 1);
                p.putArray("bbox").add(b[0]).add(b[1]).add(b[2]).add(b[3]);
                p.put("score", d.score());
            }
            imageId++;
        }
        json.writeValue(dir.resolve("annotations.json").toFile(), coco);
        json.writeValue(dir.resolve("predictions.json").toFile(), predictions);
        return annotations.size();
    }

    private int writeYolo(MiningResult result, List<Frame> frames, Path dir) throws IOException {
        Files.createDirectories(dir.resolve("labels"));
        Files.createDirectories(dir.resolve("predictions"));
        Files.createDirectories(dir.resolve("images"));
        int labels = 0;
        for (Frame f : frames) {
            writeImage(f, dir.resolve("images/" + f.name() + ".jpg"));
            StringBuilder txt = new StringBuilder();
            for (Label l : labels(f.content())) {
                txt.append(yoloLine(f, classIndex(result, l.className()), l.boxPx())).append('\n');
                labels++;
            }
            Files.writeString(dir.resolve("labels/" + f.name() + ".txt"), txt, StandardCharsets.UTF_8);
            StringBuilder pred = new StringBuilder();
            for (DetectionObserved d : f.content().detections()) {
                pred.append(yoloLine(f, classIndex(result, d.className()), d.boxPx()))
                        .append(String.format(Locale.ROOT, " %.6f", d.score())).append('\n');
            }
            Files.writeString(dir.resolve("predictions/" + f.name() + ".txt"), pred, StandardCharsets.UTF_8);
        }
        StringBuilder yaml = new StringBuilder();
        yaml.append("# Sightline hard-example mining. Labels are ").append(LABELS_ARE.replace('\n', ' ')).append('\n');
        yaml.append("# Class ids: the index in ModelActivated's class list. See manifest.json.\n");
        yaml.append("path: .\ntrain: images\nval: images\n");
        yaml.append("nc: ").append(result.classes().size()).append('\n');
        yaml.append("names:");
        if (result.classes().isEmpty()) {
            yaml.append(" {}\n");
        } else {
            yaml.append('\n');
            for (int i = 0; i < result.classes().size(); i++) {
                yaml.append("  ").append(i).append(": ").append(yamlString(result.classes().get(i))).append('\n');
            }
        }
        Files.writeString(dir.resolve("data.yaml"), yaml, StandardCharsets.UTF_8);
        return labels;
    }

    private static String yamlString(String s) {
        return "'" + s.replace("'", "''") + "'";
    }

    /** {@code class cx cy w h}, normalised to the picture's size (the box scaled to it first). */
    private static String yoloLine(Frame f, int cls, BoxPx b) {
        double sw = f.scaleX() / f.widthPx();
        double sh = f.scaleY() / f.heightPx();
        double cx = (b.x1() + b.x2()) / 2 * sw;
        double cy = (b.y1() + b.y2()) / 2 * sh;
        return String.format(Locale.ROOT, "%d %.6f %.6f %.6f %.6f", cls, clamp(cx), clamp(cy), clamp(b.widthPx() * sw),
                clamp(b.heightPx() * sh));
    }

    private static double clamp(double v) {
        return Math.max(0, Math.min(1, v));
    }

    /**
     * One MOTChallenge sequence per session: {@code img1/NNNNNN.jpg} (frame index + 1), {@code gt/gt.txt}
     * with the tracks' ids from TrackStarted ({@code trk-N} → N), {@code det/det.txt} with the model's
     * detections, {@code seqinfo.ini}. Only the chosen frames are in a sequence, so it has gaps.
     */
    private int writeMot(MiningResult result, List<Frame> frames, Path dir) throws IOException {
        Map<String, List<Frame>> bySession = new LinkedHashMap<>();
        frames.forEach(f -> bySession.computeIfAbsent(f.candidate().sessionId(), k -> new java.util.ArrayList<>()).add(f));
        int rows = 0;
        for (Map.Entry<String, List<Frame>> seq : bySession.entrySet()) {
            Path s = dir.resolve(safe(seq.getKey()));
            Files.createDirectories(s.resolve("img1"));
            Files.createDirectories(s.resolve("gt"));
            Files.createDirectories(s.resolve("det"));
            List<Frame> ordered = seq.getValue().stream().sorted(java.util.Comparator.comparingLong(f -> f.candidate().frameIndex())).toList();
            StringBuilder gt = new StringBuilder();
            StringBuilder det = new StringBuilder();
            Map<String, Integer> ids = new LinkedHashMap<>();
            for (Frame f : ordered) {
                long frameNo = f.candidate().frameIndex() + 1;
                writeImage(f, s.resolve(String.format(Locale.ROOT, "img1/%06d.jpg", frameNo)));
                Map<String, DetectionObserved> byId = new LinkedHashMap<>();
                f.content().detections().forEach(d -> byId.put(d.detectionId(), d));
                for (TrackUpdated u : f.content().tracks()) {
                    boolean seen = u.state() == TrackState.CONFIRMED;
                    DetectionObserved d = seen && !u.causes().isEmpty() ? byId.get(u.causes().get(0)) : null;
                    BoxPx box = d != null ? d.boxPx() : u.boxPx();
                    double[] b = xywh(f, box);
                    int id = trackNumber(u.trackId(), ids);
                    // conf 1: a detection matched (counts in evaluation); 0: the tracker coasted on its prediction (ignored).
                    // The class of the detection taken in; a coasting row has none, so the track's class, when the model knows it.
                    int cls = d != null ? classIndex(result, d.className()) : classIndex(result, u.className());
                    gt.append(String.format(Locale.ROOT, "%d,%d,%.2f,%.2f,%.2f,%.2f,%d,%d,%.1f%n", frameNo, id, b[0], b[1], b[2], b[3],
                            seen && d != null ? 1 : 0, cls < 0 ? -1 : cls + 1, seen && d != null ? 1.0 : 0.0));
                    rows++;
                }
                for (DetectionObserved d : f.content().detections()) {
                    double[] b = xywh(f, d.boxPx());
                    det.append(String.format(Locale.ROOT, "%d,-1,%.2f,%.2f,%.2f,%.2f,%.6f,-1,-1,-1%n", frameNo, b[0], b[1], b[2], b[3],
                            d.score()));
                }
            }
            Files.writeString(s.resolve("gt/gt.txt"), gt, StandardCharsets.UTF_8);
            Files.writeString(s.resolve("det/det.txt"), det, StandardCharsets.UTF_8);
            Frame first = ordered.get(0);
            long length = ordered.get(ordered.size() - 1).candidate().frameIndex() + 1;
            Files.writeString(s.resolve("seqinfo.ini"), "[Sequence]\nname=" + safe(seq.getKey()) + "\nimDir=img1\nseqLength=" + length
                    + "\nimWidth=" + first.widthPx() + "\nimHeight=" + first.heightPx() + "\nimExt=.jpg\n", StandardCharsets.UTF_8);
        }
        return rows;
    }

    /** The number of a track id the edge names {@code trk-N} (TrackStarted); any other id is numbered by first appearance. */
    static int trackNumber(String trackId, Map<String, Integer> others) {
        if (trackId.startsWith("trk-")) {
            try {
                return Integer.parseInt(trackId.substring(4));
            } catch (NumberFormatException e) {
                // numbered below
            }
        }
        return others.computeIfAbsent(trackId, k -> 1_000_000 + others.size());
    }

    private void writeManifest(MiningResult result, ExportFormat format, List<Frame> frames, Path dir) throws IOException {
        ObjectNode m = json.createObjectNode();
        m.put("schema", MANIFEST_SCHEMA);
        m.put("format", format.id());
        m.put("fleetId", result.request().fleetId());
        m.put("fromNanos", result.request().fromNanos());
        m.put("toNanos", result.request().toNanos());
        m.put("sessionsInScope", result.sessionsInScope());
        m.put("framesInScope", result.framesInScope());
        m.put("framesTriggered", result.framesTriggered());
        m.put("budgetFrames", result.budgetFrames());
        m.put("framesExported", frames.size());
        m.put("labels", LABELS_ARE);
        m.put("predictions", switch (format) {
            case COCO -> "predictions.json (COCO results format: image_id, category_id, bbox [x, y, w, h] px, score)";
            case YOLO -> "predictions/<image>.txt (class cx cy w h score, normalised)";
            case MOT -> "<sequence>/det/det.txt (MOTChallenge detections: frame, -1, bb_left, bb_top, bb_width, bb_height, score, -1, -1, -1)";
        });
        m.put("images", "images are evidence pictures from the cloud: EVIDENCE_BOXES_DRAWN has the detector's boxes drawn in (look, do not"
                + " train on it as is), EVIDENCE_NOTHING_DRAWN is a clean picture (no detection on the frame), CAMERA_FRAME_FROM_CLIP is the"
                + " camera's own frame decoded from the alert window's video (ADR-0037, nothing drawn), DECIDING_STILL is the still the"
                + " edge kept of an alert's deciding frame (ADR-0041, the camera's pixels, nothing drawn), MISSING means the cloud holds"
                + " no picture of the frame (only alert windows are uploaded, ADR-0008): fetch it from the vehicle by sourceId and frameIndex");
        m.put("missingImages", frames.stream().filter(f -> f.kind() == ImageKind.MISSING).count());
        ArrayNode classes = m.putArray("classes");
        result.classes().forEach(classes::add);
        ArrayNode models = m.putArray("models");
        for (ModelActivated a : result.models()) {
            models.addObject().put("name", a.modelName()).put("version", a.modelVersion()).put("sha256", a.modelSha256()).put("role", a.role());
        }
        ArrayNode triggers = m.putArray("triggers");
        result.triggers().forEach(triggers::add);
        m.set("framesPerTrigger", json.valueToTree(result.framesPerTrigger()));
        m.set("enrichment", json.valueToTree(result.enrichment()));
        m.put("enrichmentSummary", result.enrichment().summary());
        ArrayNode list = m.putArray("frames");
        for (Frame f : frames) {
            Candidate c = f.candidate();
            ObjectNode o = list.addObject();
            o.put("rank", c.rank()).put("score", c.score());
            o.put("image", imagePath(format, f)).put("imageKind", f.kind().name());
            o.put("imageWidthPx", f.widthPx()).put("imageHeightPx", f.heightPx());
            o.put("evidenceSha256", c.evidenceSha256());
            o.put("sessionId", c.sessionId()).put("vehicleId", c.vehicleId()).put("frameEventId", c.frameEventId());
            o.put("frameId", c.frameId()).put("frameIndex", c.frameIndex()).put("sourceId", c.sourceId());
            o.put("captureTimeNanos", c.captureTimeNanos()).put("occurredAtNanos", c.occurredAtNanos());
            o.put("frameWidthPx", c.widthPx()).put("frameHeightPx", c.heightPx());
            o.put("modelName", c.modelName()).put("modelVersion", c.modelVersion()).put("modelSha256", c.modelSha256());
            o.put("policyVersion", c.policyVersion());
            o.put("reviewed", c.reviewed());
            ArrayNode reasons = o.putArray("triggers");
            for (Reason r : c.reasons()) {
                reasons.add(json.valueToTree(r));
            }
        }
        json.writeValue(dir.resolve("manifest.json").toFile(), m);
    }

    private static String imagePath(ExportFormat format, Frame f) {
        return switch (format) {
            case COCO, YOLO -> "images/" + f.name() + ".jpg";
            case MOT -> safe(f.candidate().sessionId()) + String.format(Locale.ROOT, "/img1/%06d.jpg", f.candidate().frameIndex() + 1);
        };
    }
}
