package io.sightline.app.videosuite;

import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_UNCHANGED;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sightline.app.VersionCommand;
import io.sightline.app.clip.HazardClip;
import io.sightline.app.clip.HazardClipCommand;
import io.sightline.edge.range.CameraModel;
import io.sightline.edge.scenario.ScenarioSpec;
import io.sightline.eval.RunOutcome;
import io.sightline.eval.family.ScenarioFamily;
import io.sightline.inference.FrameSource;
import io.sightline.inference.VideoFrame;
import io.sightline.runtime.AssumedDrive;
import io.sightline.runtime.EdgePipeline;
import io.sightline.runtime.RunReport;
import io.sightline.uplink.journal.EdgeJournal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.statistics.descriptive.Quantile;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Makes one video-suite case and runs it: composites the case's lead into its background clip
 * (as {@code hazard-clip} does, with the same sprite, camera and encoder), writes the exact ground
 * truth beside it, then runs the clip through the edge pipeline unchanged (FFmpeg decoder,
 * YOLOX-nano on ONNX Runtime, tracker, range/TTC, the shipped risk policy, actuation, journal) and
 * scores what the journal holds against the truth.
 */
public final class VideoSuiteRunner {

    /** The sprite hazard-clip composites; its aspect ratio gives the lead's height for a width. */
    static final String SPRITE = HazardClipCommand.DEFAULT_SPRITE;
    /** A track is the lead's on a frame when its box overlaps the drawn lead's at least this much. */
    static final double LEAD_IOU = 0.3;
    /**
     * A benign case whose lead is in the ego's path at a true TTC at or below this (NHTSA's
     * smallest minimum, slower lead) would need a warning: the suite, not the policy, is wrong.
     */
    static final double BENIGN_COLLISION_COURSE_TTC_S = 2.0;
    /** The model every case runs: the bundled default, without a fallback, so a busy machine cannot change the detector. */
    static final String MODEL = "yolox-nano";

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One case, its parameters drawn.
     *
     * @param values the group's parameter values, in its family's order
     */
    public record Case(String id, int group, int cell, long seed, double[] values, String clip, double durationS,
                       LeadScript script) {
    }

    /** One frame of ground truth. {@code ttcS} is +∞ while the lead is not closing; {@code box} null when not drawn. */
    public record TruthFrame(long index, double tS, double gapM, double lateralM, double closingSpeedMps, double ttcS,
                             boolean inEgoPath, HazardClip.BoxPx box) {
    }

    /** An alert as the journal holds it, with the truth at its frame. */
    public record AlertSeen(String kind, long frameIndex, boolean onLead, boolean leadInPath, double trueTtcS, double trueGapM,
                            double estimatedTtcS, double estimatedRangeM) {
    }

    /**
     * Range estimated on the lead's track against the true gap, over the frames where the lead was
     * drawn and tracked.
     *
     * @param errorsM estimated − true, m, per tracked frame in frame order
     * @param relErrors (estimated − true) / true
     */
    public record RangeErrors(int framesDrawn, int framesTracked, double[] errorsM, double[] relErrors) {
    }

    public record CaseResult(Case c, RunOutcome outcome, List<AlertSeen> alerts, RangeErrors range, long frames,
                             double wallS, Path clip) {
    }

    private final Path home;
    private final Mat sprite;

    public VideoSuiteRunner(Path home) {
        this.home = home;
        Path spritePath = home.resolve(SPRITE);
        this.sprite = imread(spritePath.toString(), IMREAD_UNCHANGED);
        if (sprite.empty() || sprite.channels() != 4) {
            throw new IllegalStateException("sprite " + spritePath + " is missing or has no alpha channel");
        }
    }

    /** The lead's height for a width: the sprite's aspect ratio, as hazard-clip sizes it. */
    double heightFor(double widthM) {
        return widthM * sprite.rows() / sprite.cols();
    }

    /** Case (cell, seed) of group {@code g}: its parameters drawn exactly as a scenario family's. */
    public Case resolve(VideoSuite suite, int g, int cell, long seed) {
        VideoSuite.Group group = suite.groups().get(g);
        ScenarioFamily f = group.family();
        double[] v = f.values(cell, seed);
        double ego = group.value(v, "egoSpeedMps", 0);
        double speed = group.value(v, "speedMps", 0);
        double width = group.value(v, "widthM", 0);
        double gap = group.has("initialGapM") ? group.value(v, "initialGapM", 0) : group.value(v, "initialTtcS", 0) * (ego - speed);
        double brakeAt = group.value(v, "brakeAtS", Double.POSITIVE_INFINITY);
        double decel = group.value(v, "decelMps2", 0);
        double lateral = group.value(v, "lateralM", 0);
        double toLateral = group.value(v, "laneChangeToLateralM", lateral);
        double lateralSpeed = group.value(v, "laneChangeSpeedMps", 1);
        double duration = group.value(v, "durationS", 0);
        LeadScript s = new LeadScript(ego, speed, gap, lateral, brakeAt, decel, Double.POSITIVE_INFINITY, toLateral, lateralSpeed,
                width, heightFor(width));
        double changeAt = Double.POSITIVE_INFINITY;
        if (group.has("laneChangeAtS")) {
            changeAt = group.value(v, "laneChangeAtS", 0);
        } else if (group.has("laneChangeAtTtcS")) {
            // The first moment the true TTC falls to the given value; a lead that never gets that close never changes lanes.
            double at = group.value(v, "laneChangeAtTtcS", 0);
            for (double t = 0; t <= duration; t += 0.001) {
                if (s.ttcS(t) <= at) {
                    changeAt = t;
                    break;
                }
            }
        }
        s = new LeadScript(ego, speed, gap, lateral, brakeAt, decel, changeAt, toLateral, lateralSpeed, width, heightFor(width));
        return new Case(ScenarioFamily.runId(f.id(), cell, seed), g, cell, seed, v, group.clips().get(cell), duration, s);
    }

    /**
     * Makes the case's clip in {@code workDir} (kept when {@code keep}, else deleted with its
     * journal) and runs it through the pipeline.
     */
    public CaseResult run(VideoSuite suite, Case c, Path workDir, boolean keep) throws IOException, InterruptedException {
        long start = System.nanoTime();
        Files.createDirectories(workDir);
        String base = c.id().replaceAll("[^A-Za-z0-9._-]", "_");
        Path clip = workDir.resolve(base + ".mp4");
        Path journalFile = workDir.resolve(base + ".journal.db");
        VideoSuite.Group group = suite.groups().get(c.group());
        List<TruthFrame> truth = composite(c, clip);
        writeTruth(suite, group, c, truth, Path.of(clip + HazardClipCommand.TRUTH_SUFFIX));
        EdgePipeline.Options options = new EdgePipeline.Options(clip.toString(), MODEL, null, false, false,
                c.script().egoSpeedMps(), 1, 0, "fleet-video-suite", "vehicle-video-suite", "device-video-suite",
                VersionCommand.version());
        CaseResult result;
        try (EdgeJournal journal = EdgeJournal.open(journalFile, EdgePipeline.JOURNAL_BUDGET_BYTES);
             EdgePipeline pipeline = EdgePipeline.open(options)) {
            RunReport report = pipeline.run(journal, EdgePipeline.ProgressListener.NONE);
            result = score(group, c, truth, journal, report, (System.nanoTime() - start) / 1e9, keep ? clip : null);
        } finally {
            for (String suffix : List.of("", "-wal", "-shm")) {
                Files.deleteIfExists(Path.of(journalFile + suffix));
            }
            if (!keep) {
                Files.deleteIfExists(clip);
                Files.deleteIfExists(Path.of(clip + HazardClipCommand.TRUTH_SUFFIX));
            }
        }
        return result;
    }

    /** Composites the lead into the first {@code durationS} of the background and encodes it; returns the truth per frame. */
    List<TruthFrame> composite(Case c, Path out) throws IOException {
        Path background = home.resolve(VideoSuite.SAMPLES).resolve(c.clip());
        List<TruthFrame> truth = new ArrayList<>();
        try (FrameSource source = FrameSource.open(background.toString())) {
            CameraModel camera = AssumedDrive.camera(source.width(), source.height());
            FFmpegFrameRecorder recorder = HazardClipCommand.openRecorder(out, source);
            try (OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat()) {
                VideoFrame f;
                while ((f = source.next()) != null) {
                    double tS = f.captureTimeNanos() / 1e9;
                    if (tS >= c.durationS()) {
                        break;
                    }
                    HazardClip.BoxPx box = HazardClip.project(camera, c.script(), tS);
                    if (box != null) {
                        // The source frame is borrowed: drawing into it is fine, the grabber overwrites it next.
                        HazardClip.composite(f.image(), sprite, box);
                    }
                    recorder.record(converter.convert(f.image()));
                    LeadScript s = c.script();
                    HazardClip.BoxPx clipped = box == null ? null : new HazardClip.BoxPx(Math.max(0, box.x1()), Math.max(0, box.y1()),
                            Math.min(camera.widthPx(), box.x2()), Math.min(camera.heightPx(), box.y2()));
                    truth.add(new TruthFrame(f.index(), tS, s.gapM(tS), s.lateralM(tS), s.closingSpeedMps(tS), s.ttcS(tS),
                            s.inEgoPath(tS, VideoSuite.EGO_HALF_WIDTH_M), clipped));
                }
            } finally {
                recorder.stop();
                recorder.release();
            }
        }
        return truth;
    }

    /** The truth beside the clip, in hazard-clip's format, so {@code ./sightline run --video CLIP} scores it too. */
    private void writeTruth(VideoSuite suite, VideoSuite.Group group, Case c, List<TruthFrame> truth, Path file) throws IOException {
        ObjectNode t = JSON.createObjectNode();
        t.put("description", "Video-suite case " + c.id() + " of " + suite.file() + ": " + group.family().description());
        t.put("background", c.clip());
        t.put("sprite", Path.of(SPRITE).getFileName().toString());
        ScenarioSpec.Expectation e = group.family().expectation();
        if (e instanceof ScenarioSpec.AlertAtTtc a) {
            t.put("expectedAlert", a.kind().name());
            t.put("minWarningTtcS", a.minTtcS());
        } else {
            t.put("expectedAlert", "NONE");
        }
        ObjectNode sc = t.putObject("script");
        LeadScript s = c.script();
        sc.put("egoSpeedMps", s.egoSpeedMps());
        sc.put("leadSpeedMps", s.leadSpeedMps());
        sc.put("initialGapM", s.initialGapM());
        sc.put("initialLateralM", s.initialLateralM());
        putFinite(sc, "brakeAtS", s.brakeAtS());
        sc.put("decelMps2", s.decelMps2());
        putFinite(sc, "laneChangeAtS", s.laneChangeAtS());
        sc.put("laneChangeToLateralM", s.laneChangeToLateralM());
        sc.put("laneChangeSpeedMps", s.laneChangeSpeedMps());
        sc.put("widthM", s.widthM());
        sc.put("heightM", s.heightM());
        ArrayNode frames = t.putArray("frames");
        for (TruthFrame f : truth) {
            ObjectNode n = frames.addObject();
            n.put("frameIndex", f.index());
            n.put("timeS", r(f.tS(), 4));
            n.put("gapM", r(f.gapM(), 3));
            n.put("lateralM", r(f.lateralM(), 3));
            n.put("closingSpeedMps", r(f.closingSpeedMps(), 3));
            putFinite(n, "ttcS", r(f.ttcS(), 3));
            n.put("inEgoPath", f.inEgoPath());
            if (f.box() != null) {
                n.putArray("boxPx").add(r(f.box().x1(), 1)).add(r(f.box().y1(), 1)).add(r(f.box().x2(), 1)).add(r(f.box().y2(), 1));
            }
        }
        JSON.writer().with(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), t);
    }

    private static void putFinite(ObjectNode n, String key, double v) {
        if (Double.isFinite(v)) {
            n.put(key, v);
        } else {
            n.putNull(key);
        }
    }

    /** Scores the journal against the truth: the case's outcome as the evaluation's statistics take it, and the range errors. */
    static CaseResult score(VideoSuite.Group group, Case c, List<TruthFrame> truth, EdgeJournal journal, RunReport report,
                            double wallS, Path keptClip) {
        Map<String, Long> frameIndex = new HashMap<>();
        Map<Long, List<JsonNode>> tracksByFrame = new HashMap<>();
        Map<String, JsonNode> risk = new HashMap<>();
        Map<String, JsonNode> riskByFrameTrack = new HashMap<>();
        List<JsonNode> raised = new ArrayList<>();
        List<JsonNode> trackEvents = new ArrayList<>();
        long from = 0;
        String session = report.sessionId();
        for (List<EdgeJournal.StoredEvent> page; !(page = journal.read(session, from, 5000, 64L << 20)).isEmpty(); ) {
            for (EdgeJournal.StoredEvent e : page) {
                JsonNode wire;
                try {
                    wire = JSON.readTree(e.wireJson());
                } catch (IOException ex) {
                    throw new UncheckedIOException("journal event " + e.eventId() + " is not JSON", ex);
                }
                JsonNode p = wire.path("payload");
                switch (wire.path("type").asText()) {
                    case "FrameCaptured" -> frameIndex.put(p.path("frameId").asText(), p.path("frameIndex").asLong());
                    case "TrackUpdated" -> trackEvents.add(p);
                    case "RiskAssessed" -> {
                        risk.put(p.path("assessmentId").asText(), p);
                        riskByFrameTrack.putIfAbsent(p.path("frameId").asText() + " " + p.path("trackId").asText(), p);
                    }
                    case "AlertRaised" -> raised.add(p);
                    default -> { }
                }
            }
            from = page.get(page.size() - 1).sequence() + 1;
        }
        for (JsonNode t : trackEvents) {
            Long idx = frameIndex.get(t.path("frameId").asText());
            if (idx != null) {
                tracksByFrame.computeIfAbsent(idx, k -> new ArrayList<>()).add(t);
            }
        }
        // The lead's track on each frame: the track whose box overlaps the drawn lead's most.
        Map<Long, String> leadTrack = new HashMap<>();
        Map<Long, String> frameIdOf = new HashMap<>();
        frameIndex.forEach((id, idx) -> frameIdOf.put(idx, id));
        int drawn = 0;
        List<Double> errs = new ArrayList<>();
        List<Double> rels = new ArrayList<>();
        for (TruthFrame f : truth) {
            if (f.box() == null) {
                continue;
            }
            drawn++;
            double best = LEAD_IOU;
            String bestId = null;
            for (JsonNode t : tracksByFrame.getOrDefault(f.index(), List.of())) {
                JsonNode b = t.path("boxPx");
                double iou = iou(f.box(), b.path("x1").asDouble(), b.path("y1").asDouble(), b.path("x2").asDouble(),
                        b.path("y2").asDouble());
                if (iou >= best) {
                    best = iou;
                    bestId = t.path("trackId").asText();
                }
            }
            if (bestId == null) {
                continue;
            }
            leadTrack.put(f.index(), bestId);
            JsonNode ra = riskByFrameTrack.get(frameIdOf.get(f.index()) + " " + bestId);
            if (ra != null && Double.isFinite(ra.path("rangeM").asDouble(Double.NaN)) && ra.path("rangeM").asDouble() > 0) {
                double err = ra.path("rangeM").asDouble() - f.gapM();
                errs.add(err);
                rels.add(err / f.gapM());
            }
        }
        List<AlertSeen> alerts = new ArrayList<>();
        for (JsonNode a : raised) {
            JsonNode assessment = null;
            for (JsonNode cause : a.path("causes")) {
                assessment = risk.get(cause.asText());
                if (assessment != null) {
                    break;
                }
            }
            if (assessment == null) {
                throw new IllegalStateException("alert " + a.path("alertId").asText() + " names no RiskAssessed of its session");
            }
            long idx = frameIndex.getOrDefault(assessment.path("frameId").asText(), -1L);
            TruthFrame t = idx >= 0 && idx < truth.size() ? truth.get((int) idx) : null;
            alerts.add(new AlertSeen(a.path("kind").asText(), idx,
                    assessment.path("trackId").asText().equals(leadTrack.get(idx)), t != null && t.inEgoPath(),
                    t == null ? Double.NaN : t.ttcS(), t == null ? Double.NaN : t.gapM(), assessment.path("ttcS").asDouble(),
                    assessment.path("rangeM").asDouble()));
        }
        RangeErrors range = new RangeErrors(drawn, errs.size(), errs.stream().mapToDouble(Double::doubleValue).toArray(),
                rels.stream().mapToDouble(Double::doubleValue).toArray());
        RunOutcome outcome = outcome(group, c, truth, alerts, range);
        return new CaseResult(c, outcome, List.copyOf(alerts), range, truth.size(), wallS, keptClip);
    }

    /** The case as the evaluation's report builder counts runs: passed, warned, TTC at the first warning, collision course. */
    static RunOutcome outcome(VideoSuite.Group group, Case c, List<TruthFrame> truth, List<AlertSeen> alerts, RangeErrors range) {
        ScenarioSpec.Expectation e = group.family().expectation();
        String firstKind = alerts.isEmpty() ? null : alerts.get(0).kind();
        String rangeText = range.framesTracked() == 0 ? "lead never tracked"
                : String.format(Locale.ROOT, "lead tracked on %d of %d drawn frames, range error median %+.2f m",
                        range.framesTracked(), range.framesDrawn(), median(range.errorsM()));
        if (e instanceof ScenarioSpec.AlertAtTtc a) {
            boolean course = false;
            for (TruthFrame f : truth) {
                if (f.inEgoPath() && f.ttcS() > 0 && f.ttcS() <= a.minTtcS()) {
                    course = true;
                    break;
                }
            }
            // As the scenario runner judges a hazard: the first alert of the kind, at the true TTC
            // of its frame, wherever the lead is then; a cut-in is warned for as it comes across.
            // Only alerts on the lead's own track count: the road's real cars are no part of the script.
            AlertSeen warning = null;
            for (AlertSeen s : alerts) {
                if (s.kind().equals(a.kind().name()) && s.onLead()) {
                    warning = s;
                    break;
                }
            }
            Double ttc = warning == null || !Double.isFinite(warning.trueTtcS()) ? null : warning.trueTtcS();
            boolean passed = ttc != null && ttc >= a.minTtcS() && ttc <= a.maxTtcS();
            String reason;
            if (warning == null) {
                reason = "no " + a.kind() + " on the lead's track (" + alerts.size() + " other alert(s)); " + rangeText;
            } else {
                reason = String.format(Locale.ROOT, "%s at frame %d, true TTC %.2f s (required [%.1f, %.1f]), estimated %.2f s;"
                                + " true gap %.1f m, estimated %.1f m%s; %s", a.kind(), warning.frameIndex(), warning.trueTtcS(),
                        a.minTtcS(), a.maxTtcS(), warning.estimatedTtcS(), warning.trueGapM(), warning.estimatedRangeM(),
                        warning.leadInPath() ? "" : ", lead not yet (or no longer) in the ego path", rangeText);
            }
            return new RunOutcome(c.group(), c.cell(), c.seed(), c.id(), passed, reason, course, ttc, ttc != null && ttc > 0,
                    firstKind, alerts.size(), c.values().clone());
        }
        boolean course = false;
        for (TruthFrame f : truth) {
            if (f.inEgoPath() && f.ttcS() > 0 && f.ttcS() <= BENIGN_COLLISION_COURSE_TTC_S) {
                course = true;
                break;
            }
        }
        String reason;
        if (alerts.isEmpty()) {
            reason = "no alert; " + rangeText;
        } else {
            AlertSeen s = alerts.get(0);
            reason = String.format(Locale.ROOT, "%s at frame %d on %s (true gap %.1f m, lead %s the ego path, true TTC %s);"
                            + " estimated TTC %.2f s, range %.1f m; %s", s.kind(), s.frameIndex(), s.onLead() ? "the lead" : "another track",
                    s.trueGapM(), s.leadInPath() ? "in" : "not in",
                    Double.isFinite(s.trueTtcS()) ? String.format(Locale.ROOT, "%.2f s", s.trueTtcS()) : "none (not closing)",
                    s.estimatedTtcS(), s.estimatedRangeM(), rangeText);
        }
        return new RunOutcome(c.group(), c.cell(), c.seed(), c.id(), alerts.isEmpty(), reason, course, null, !alerts.isEmpty(),
                firstKind, alerts.size(), c.values().clone());
    }

    static double iou(HazardClip.BoxPx a, double x1, double y1, double x2, double y2) {
        double ix = Math.max(0, Math.min(a.x2(), x2) - Math.max(a.x1(), x1));
        double iy = Math.max(0, Math.min(a.y2(), y2) - Math.max(a.y1(), y1));
        double inter = ix * iy;
        double union = (a.x2() - a.x1()) * (a.y2() - a.y1()) + (x2 - x1) * (y2 - y1) - inter;
        return union <= 0 ? 0 : inter / union;
    }

    /** Median by Commons Statistics' default quantile estimator, as the evaluation report's TTC quantiles. */
    static double median(double[] v) {
        return quantile(v, 0.5);
    }

    static double quantile(double[] v, double p) {
        if (v.length == 0) {
            return Double.NaN;
        }
        double[] s = v.clone();
        Arrays.sort(s);
        return Quantile.withDefaults().evaluate(s, p);
    }

    private static double r(double v, int digits) {
        if (!Double.isFinite(v)) {
            return v;
        }
        double scale = Math.pow(10, digits);
        return Math.round(v * scale) / scale;
    }
}
