package io.sightline.app.shadow;

import io.sightline.edge.shadow.AlertAgreement;
import io.sightline.edge.shadow.DetectionAgreement;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sightline.app.CloudClient;
import io.sightline.app.Progress;
import io.sightline.app.WrongSettingException;
import io.sightline.inference.FrameSourceException;
import io.sightline.inference.ModelRejectedException;
import io.sightline.runtime.AssumedDrive;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code shadow --champion A --challenger B --video F [--json OUT]}: the offline shadow comparison
 * of issue 17 §3 ({@link ShadowComparison}). A model, video or output that cannot be used is one
 * line on stderr and exit {@link WrongSettingException#EXIT_CODE}.
 */
@Command(name = "shadow", mixinStandardHelpOptions = true,
        description = {"Run a challenger model in shadow of the champion on the same decoded frames of a clip, each through its own "
                + "tracker, range/TTC, risk policy and actuation, and report how far the challenger departs: detection F1 per class "
                + "against the champion (Hungarian matching at IoU >= 0.5), alert agreement within +/-0.5 s, the TTC difference at "
                + "the first warning of agreed forward-collision alerts, and each model's inference latency p50/p99.",
                "With --reviewed-alerts FILE (alerts a reviewer confirmed on this clip), also which of them the challenger would "
                        + "miss: not raised, same kind within +/-0.5 s, where the champion raises it. The cloud measures the same for a "
                        + "rollout from the fleet's reviews and stored clips (docs/rollouts.md).",
                "With --cloud-url URL instead, the confirmed alerts come from the cloud: --video is then an alert's evidence clip as "
                        + "the cloud stores it (GET /api/v1/alerts/{alertId}/evidence, clips[].url), found by its sha256, and its "
                        + "alerts whose latest review is TRUE_POSITIVE are placed at their deciding frame."})
public final class ShadowCommand implements Callable<Integer> {

    @Option(names = "--champion", required = true, paramLabel = "MODEL",
            description = "The serving model: yolox-nano, fastestdet, or a model directory with manifest.json.")
    String champion;

    @Option(names = "--challenger", required = true, paramLabel = "MODEL",
            description = "The candidate model, as --champion (it may be the same model).")
    String challenger;

    @Option(names = "--video", required = true, paramLabel = "FILE", description = "The clip both models see.")
    String video;

    @Option(names = "--json", paramLabel = "OUT", description = "Also write the comparison as JSON here.")
    Path json;

    @Option(names = "--champion-min-score", paramLabel = "S",
            description = "Hide the champion's boxes scoring at or below S (default: its manifest's reportScore).")
    Double championMinScore;

    @Option(names = "--challenger-min-score", paramLabel = "S",
            description = "Hide the challenger's boxes scoring at or below S, e.g. 0.6 to make a deliberately worse challenger.")
    Double challengerMinScore;

    @Option(names = "--challenger-policy", paramLabel = "FILE",
            description = "The risk policy the challenger decides with (a policy JSON as registered; default: the champion's, the built-in "
                    + "defaults).")
    Path challengerPolicy;

    @Option(names = "--reviewed-alerts", paramLabel = "FILE",
            description = "Alerts a reviewer confirmed on this clip, JSON {\"alerts\":[{\"kind\":\"FORWARD_COLLISION\",\"atS\":1.76}]} "
                    + "(atS: seconds in the clip): report which the challenger would miss.")
    Path reviewedAlerts;

    @Option(names = "--cloud-url", paramLabel = "URL",
            description = "Read the reviewed alerts from this cloud (e.g. http://localhost:8080) instead of --reviewed-alerts: the alerts "
                    + "of the evidence clip --video whose latest review is TRUE_POSITIVE, matched by the clip's sha256.")
    String cloudUrl;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "With --cloud-url: a file holding an investigator token of the clip's fleet (else " + CloudClient.TOKEN_ENV + ").")
    Path tokenFile;

    @Option(names = "--max-frames", paramLabel = "N", defaultValue = "0", description = "Stop after N frames (0 = all).")
    long maxFrames;

    @Option(names = "--ego-speed-mps", paramLabel = "V", description = "Assumed constant ego speed (default: ${DEFAULT-VALUE}).")
    double egoSpeedMps = AssumedDrive.EGO_SPEED_MPS;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        ShadowComparison.Options options;
        CloudReviewedAlerts.Found fromCloud = null;
        try {
            List<ShadowComparison.ReviewedAlert> reviewed;
            if (cloudUrl != null) {
                if (reviewedAlerts != null) {
                    throw new WrongSettingException("--reviewed-alerts and --cloud-url both name the reviewed alerts: give the file or the "
                            + "cloud, not both");
                }
                // Read before the clip is decoded: a wrong URL, token or clip fails in a second, not after the comparison.
                fromCloud = CloudReviewedAlerts.read(new CloudClient(cloudUrl, tokenFile, "investigator",
                        "reading a fleet's reviewed alerts needs an investigator token of that fleet"), Path.of(video));
                reviewed = fromCloud.alerts();
            } else if (tokenFile != null) {
                throw new WrongSettingException("--token-file is for --cloud-url: add --cloud-url URL, or leave the token out");
            } else {
                reviewed = reviewed(reviewedAlerts);
            }
            options = new ShadowComparison.Options(champion, challenger, video,
                    championMinScore == null ? Double.NaN : championMinScore,
                    challengerMinScore == null ? Double.NaN : challengerMinScore, maxFrames, egoSpeedMps, policy(challengerPolicy),
                    reviewed);
        } catch (IllegalArgumentException e) {
            throw new WrongSettingException(e.getMessage(), e);
        }
        if (fromCloud != null) {
            out.print(source(fromCloud));
            out.flush();
        }
        if (json != null && json.toAbsolutePath().getParent() != null) {
            try {
                Files.createDirectories(json.toAbsolutePath().getParent());
            } catch (IOException e) {
                throw new WrongSettingException("--json " + json + ": cannot create its directory: " + e.getMessage(), e);
            }
        }
        Progress[] bar = new Progress[1];
        ShadowComparison.Result result;
        try {
            result = ShadowComparison.run(options, (done, total) -> {
                if (bar[0] == null) {
                    bar[0] = new Progress("shadow", total > 0 ? total : done);
                }
                bar[0].update(done);
            });
        } catch (ModelRejectedException | FrameSourceException e) {
            // Covers a missing, unreadable, corrupt or truncated video and an unknown or inconsistent model.
            throw new WrongSettingException(e.getMessage(), e);
        }
        if (bar[0] != null) {
            bar[0].done();
        }
        out.print(format(result));
        if (json != null) {
            try {
                ObjectNode root = toJson(result);
                if (fromCloud != null) {
                    source((ObjectNode) root.get("reviewedTruePositivesMissed"), fromCloud);
                }
                JSON.writeValue(json.toFile(), root);
            } catch (IOException e) {
                throw new WrongSettingException("--json " + json + ": cannot write: " + e.getMessage(), e);
            }
            out.println("written " + json);
        }
        out.flush();
        return 0;
    }

    /** Where the cloud's reviewed alerts came from, printed before the comparison. */
    String source(CloudReviewedAlerts.Found f) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "reviewed alerts from %s: clip sha256 %s… of session %s: %d confirmed%s%s%n",
                cloudUrl, f.clipSha256().substring(0, 12), String.join(", ", f.sessionIds()), f.alerts().size(),
                f.others().isEmpty() ? "" : ", not confirmed " + CloudReviewedAlerts.describe(f.others()),
                f.unplaced().isEmpty() ? "" : String.format(Locale.ROOT, ", %d confirmed left out (the cloud names no deciding frame of "
                        + "theirs in this clip: %s)", f.unplaced().size(), String.join(", ", f.unplaced()))));
        for (int i = 0; i < f.alerts().size(); i++) {
            b.append(String.format(Locale.ROOT, "  %-20s at %.2f s  %s%n", f.alerts().get(i).kind(), f.alerts().get(i).atS(), f.alertIds().get(i)));
        }
        return b.toString();
    }

    /** The JSON's reviewed section names the cloud, the clip and each alert's id (outcomes are in the order given). */
    private void source(ObjectNode reviewed, CloudReviewedAlerts.Found f) {
        ObjectNode s = reviewed.putObject("source");
        s.put("cloudUrl", cloudUrl);
        s.put("clipSha256", f.clipSha256());
        ArrayNode sessions = s.putArray("sessionIds");
        f.sessionIds().forEach(sessions::add);
        ArrayNode unplaced = s.putArray("confirmedNotPlaced");
        f.unplaced().forEach(unplaced::add);
        JsonNode alerts = reviewed.get("alerts");
        for (int i = 0; i < f.alertIds().size() && alerts != null && i < alerts.size(); i++) {
            ((ObjectNode) alerts.get(i)).put("alertId", f.alertIds().get(i));
        }
    }

    private static io.sightline.edge.risk.RiskPolicy policy(Path file) {
        if (file == null) {
            return null;
        }
        if (!Files.isRegularFile(file)) {
            throw new WrongSettingException("--challenger-policy: no file at " + file.toAbsolutePath());
        }
        try {
            return io.sightline.edge.risk.RiskPolicy.fromJson(file);
        } catch (IOException | RuntimeException e) {
            throw new WrongSettingException("--challenger-policy " + file + " is not a risk policy: " + firstLine(e), e);
        }
    }

    /** Jackson's messages go on with the location on further lines: the error stays one line. */
    private static String firstLine(Exception e) {
        return String.valueOf(e.getMessage()).lines().findFirst().orElse("");
    }

    static List<ShadowComparison.ReviewedAlert> reviewed(Path file) {
        if (file == null) {
            return null;
        }
        if (!Files.isRegularFile(file)) {
            throw new WrongSettingException("--reviewed-alerts: no file at " + file.toAbsolutePath());
        }
        com.fasterxml.jackson.databind.JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new WrongSettingException("--reviewed-alerts " + file + " is not JSON: " + firstLine(e), e);
        }
        com.fasterxml.jackson.databind.JsonNode alerts = root == null ? null : root.get("alerts");
        if (alerts == null || !alerts.isArray()) {
            throw new WrongSettingException("--reviewed-alerts " + file + " needs {\"alerts\":[{\"kind\":…,\"atS\":…},…]}");
        }
        List<ShadowComparison.ReviewedAlert> out = new java.util.ArrayList<>();
        for (com.fasterxml.jackson.databind.JsonNode a : alerts) {
            try {
                out.add(new ShadowComparison.ReviewedAlert(a.path("kind").asText(null),
                        a.path("atS").isNumber() ? a.path("atS").asDouble() : Double.NaN));
            } catch (IllegalArgumentException e) {
                throw new WrongSettingException("--reviewed-alerts " + file + ", alert " + (out.size() + 1) + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    static String format(ShadowComparison.Result r) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "shadow comparison on %s: %d frames at %.1f Hz, each decoded once for both models (%.1f s)%n",
                r.video(), r.frames(), r.frameRateHz(), r.wallSeconds()));
        for (ShadowComparison.Side s : List.of(r.champion(), r.challenger())) {
            b.append(String.format(Locale.ROOT, "  %-10s  %s %s (sha256 %s…)%s: %d boxes, %d alert(s); inference p50 %.1f ms, p99 %.1f ms"
                            + " (detect with pre/post-processing p50 %.1f, p99 %.1f ms)%n",
                    s.role(), s.model(), s.version(), s.sha256().substring(0, 12),
                    Double.isNaN(s.minScore()) ? "" : String.format(Locale.ROOT, ", min score %.2f hid %d boxes", s.minScore(), s.hiddenBoxes()),
                    s.boxes(), s.alerts().size(), s.inference().p50Ms(), s.inference().p99Ms(), s.detect().p50Ms(), s.detect().p99Ms()));
        }
        double champion = r.champion().detect().totalSeconds();
        if (champion > 0) {
            b.append(String.format(Locale.ROOT, "  the challenger's detect time is %.0f %% of the champion's (%.1f s against %.1f s over the clip)%n",
                    100 * r.challenger().detect().totalSeconds() / champion, r.challenger().detect().totalSeconds(), champion));
        }
        b.append(String.format(Locale.ROOT, "detections: challenger against champion (champion as reference), Hungarian matching at IoU >= %.1f%n",
                DetectionAgreement.IOU_THRESHOLD));
        b.append(String.format(Locale.ROOT, "  %-14s %9s %10s %7s %6s %6s %9s %7s %6s%n", "class", "champion", "challenger", "TP", "FP", "FN",
                "precision", "recall", "F1"));
        for (Map.Entry<String, DetectionAgreement.Counts> e : r.perClass().entrySet()) {
            row(b, e.getKey(), e.getValue());
        }
        row(b, "overall", r.overall());
        AlertAgreement.Result a = r.alerts();
        b.append(String.format(Locale.ROOT, "alerts: same kind within ±%.1f s: %d agreed, %d champion-only, %d challenger-only (agreement %.2f)%n",
                AlertAgreement.WINDOW_S, a.agreed().size(), a.championOnly().size(), a.challengerOnly().size(), a.agreement()));
        for (AlertAgreement.Pair p : a.agreed()) {
            b.append(String.format(Locale.ROOT, "  agreed           %-20s champion %.2f s, challenger %.2f s (Δ %+.2f s)%n", p.champion().kind(),
                    seconds(p.champion().raisedAtNanos()), seconds(p.challenger().raisedAtNanos()), p.deltaS()));
        }
        for (AlertAgreement.Alert x : a.championOnly()) {
            b.append(String.format(Locale.ROOT, "  champion-only    %-20s at %.2f s (frame %d)%n", x.kind(), seconds(x.raisedAtNanos()), x.frameIndex()));
        }
        for (AlertAgreement.Alert x : a.challengerOnly()) {
            b.append(String.format(Locale.ROOT, "  challenger-only  %-20s at %.2f s (frame %d)%n", x.kind(), seconds(x.raisedAtNanos()), x.frameIndex()));
        }
        List<AlertAgreement.Pair> fcw = r.forwardCollisionPairs();
        if (fcw.isEmpty()) {
            b.append("TTC at first warning: no agreed forward-collision alert to compare\n");
        }
        for (AlertAgreement.Pair p : fcw) {
            b.append(String.format(Locale.ROOT, "TTC at first warning (forward collision at %.2f s): champion %.2f s, challenger %.2f s, difference %+.2f s%n",
                    seconds(p.champion().raisedAtNanos()), p.champion().ttcS(), p.challenger().ttcS(), p.ttcDifferenceS()));
        }
        if (!r.challengerPolicyVersion().equals(r.championPolicyVersion())) {
            b.append(String.format(Locale.ROOT, "policies: champion %s, challenger %s%n", r.championPolicyVersion(), r.challengerPolicyVersion()));
        }
        if (r.reviewed() == null) {
            b.append("reviewed true-positive alerts the challenger would miss: not measured (give --reviewed-alerts FILE or --cloud-url URL; a rollout"
                    + " measures it in the cloud from the fleet's reviews)\n");
        } else {
            long missed = r.reviewed().stream().filter(ShadowComparison.ReviewedOutcome::missed).count();
            long unjudged = r.reviewed().stream().filter(o -> o.champion() == null).count();
            b.append(String.format(Locale.ROOT, "reviewed true-positive alerts: %d given, the challenger would miss %d%s%n", r.reviewed().size(),
                    missed, unjudged == 0 ? "" : String.format(Locale.ROOT, " (%d not judged: the champion does not raise them on this run)",
                            unjudged)));
            for (ShadowComparison.ReviewedOutcome o : r.reviewed()) {
                b.append(String.format(Locale.ROOT, "  %-8s %-20s at %.2f s: champion %s, challenger %s%s%n",
                        o.champion() == null ? "unjudged" : o.missed() ? "missed" : "raised", o.reviewed().kind(), o.reviewed().atS(),
                        o.champion() == null ? "-" : String.format(Locale.ROOT, "%.2f s", seconds(o.champion().raisedAtNanos())),
                        o.challenger() == null ? "-" : String.format(Locale.ROOT, "%.2f s", seconds(o.challenger().raisedAtNanos())),
                        Double.isFinite(o.ttcDifferenceS()) ? String.format(Locale.ROOT, " (TTC difference %+.2f s)", o.ttcDifferenceS()) : ""));
            }
        }
        return b.toString();
    }

    private static void row(StringBuilder b, String name, DetectionAgreement.Counts c) {
        b.append(String.format(Locale.ROOT, "  %-14s %9d %10d %7d %6d %6d %9s %7s %6s%n", name, c.championBoxes(), c.challengerBoxes(),
                c.truePositives(), c.falsePositives(), c.falseNegatives(), ratio(c.precision()), ratio(c.recall()), ratio(c.f1())));
    }

    private static String ratio(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.3f", v);
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    static ObjectNode toJson(ShadowComparison.Result r) {
        ObjectNode root = JSON.createObjectNode();
        root.put("video", r.video());
        root.put("frames", r.frames());
        root.put("frameRateHz", r.frameRateHz());
        root.put("wallSeconds", r.wallSeconds());
        root.set("champion", side(r.champion()));
        root.set("challenger", side(r.challenger()));
        ObjectNode det = root.putObject("detections");
        det.put("reference", "champion");
        det.put("matching", "Hungarian (minimum cost 1 - IoU, same class)");
        det.put("iouThreshold", DetectionAgreement.IOU_THRESHOLD);
        det.set("overall", counts(r.overall()));
        ObjectNode perClass = det.putObject("perClass");
        r.perClass().forEach((k, v) -> perClass.set(k, counts(v)));
        ObjectNode alerts = root.putObject("alerts");
        alerts.put("windowS", AlertAgreement.WINDOW_S);
        alerts.put("agreement", r.alerts().agreement());
        ArrayNode agreed = alerts.putArray("agreed");
        for (AlertAgreement.Pair p : r.alerts().agreed()) {
            ObjectNode n = agreed.addObject();
            n.put("kind", p.champion().kind());
            n.put("championAtS", seconds(p.champion().raisedAtNanos()));
            n.put("challengerAtS", seconds(p.challenger().raisedAtNanos()));
            n.put("deltaS", p.deltaS());
        }
        alerts.set("championOnly", alertList(r.alerts().championOnly()));
        alerts.set("challengerOnly", alertList(r.alerts().challengerOnly()));
        ArrayNode ttc = root.putArray("ttcAtFirstWarning");
        for (AlertAgreement.Pair p : r.forwardCollisionPairs()) {
            ObjectNode n = ttc.addObject();
            n.put("kind", p.champion().kind());
            n.put("championAtS", seconds(p.champion().raisedAtNanos()));
            number(n, "championTtcS", p.champion().ttcS());
            number(n, "challengerTtcS", p.challenger().ttcS());
            number(n, "differenceS", p.ttcDifferenceS());
        }
        root.put("championPolicyVersion", r.championPolicyVersion());
        root.put("challengerPolicyVersion", r.challengerPolicyVersion());
        ObjectNode reviewed = root.putObject("reviewedTruePositivesMissed");
        if (r.reviewed() == null) {
            reviewed.put("measured", false);
            reviewed.put("reason", "no --reviewed-alerts or --cloud-url given; a rollout measures it in the cloud from the fleet's reviews");
            return root;
        }
        reviewed.put("measured", true);
        reviewed.put("given", r.reviewed().size());
        reviewed.put("missed", r.reviewed().stream().filter(ShadowComparison.ReviewedOutcome::missed).count());
        ArrayNode list = reviewed.putArray("alerts");
        for (ShadowComparison.ReviewedOutcome o : r.reviewed()) {
            ObjectNode n = list.addObject();
            n.put("kind", o.reviewed().kind());
            n.put("atS", o.reviewed().atS());
            n.put("outcome", o.champion() == null ? "UNJUDGED" : o.missed() ? "MISSED" : "RAISED");
            if (o.champion() != null) {
                n.put("championAtS", seconds(o.champion().raisedAtNanos()));
            }
            if (o.challenger() != null) {
                n.put("challengerAtS", seconds(o.challenger().raisedAtNanos()));
            }
            number(n, "ttcDifferenceS", o.ttcDifferenceS());
        }
        return root;
    }

    private static ObjectNode side(ShadowComparison.Side s) {
        ObjectNode n = JSON.createObjectNode();
        n.put("model", s.model());
        n.put("version", s.version());
        n.put("sha256", s.sha256());
        number(n, "minScore", s.minScore());
        n.put("boxes", s.boxes());
        n.put("hiddenBoxes", s.hiddenBoxes());
        n.put("rejectedInputs", s.rejectedInputs());
        n.set("alerts", alertList(s.alerts()));
        n.set("inferenceLatency", latency(s.inference()));
        n.set("detectLatency", latency(s.detect()));
        return n;
    }

    private static ObjectNode latency(ShadowComparison.Latency l) {
        ObjectNode n = JSON.createObjectNode();
        n.put("p50Ms", l.p50Ms());
        n.put("p99Ms", l.p99Ms());
        n.put("maxMs", l.maxMs());
        n.put("meanMs", l.meanMs());
        n.put("totalS", l.totalSeconds());
        n.put("count", l.count());
        return n;
    }

    private static ArrayNode alertList(List<AlertAgreement.Alert> alerts) {
        ArrayNode a = JSON.createArrayNode();
        for (AlertAgreement.Alert x : alerts) {
            ObjectNode n = a.addObject();
            n.put("kind", x.kind());
            n.put("atS", seconds(x.raisedAtNanos()));
            n.put("frameIndex", x.frameIndex());
            number(n, "ttcS", x.ttcS());
        }
        return a;
    }

    private static ObjectNode counts(DetectionAgreement.Counts c) {
        ObjectNode n = JSON.createObjectNode();
        n.put("championBoxes", c.championBoxes());
        n.put("challengerBoxes", c.challengerBoxes());
        n.put("truePositives", c.truePositives());
        n.put("falsePositives", c.falsePositives());
        n.put("falseNegatives", c.falseNegatives());
        number(n, "precision", c.precision());
        number(n, "recall", c.recall());
        number(n, "f1", c.f1());
        return n;
    }

    /** JSON has no NaN: an undefined figure is null. */
    private static void number(ObjectNode n, String field, double v) {
        if (Double.isFinite(v)) {
            n.put(field, v);
        } else {
            n.putNull(field);
        }
    }
}
