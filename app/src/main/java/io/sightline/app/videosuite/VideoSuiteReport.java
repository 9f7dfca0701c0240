package io.sightline.app.videosuite;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sightline.eval.family.ScenarioFamily;
import io.sightline.eval.report.ReportWriter;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;

/**
 * What a video suite shows beyond {@code evaluate}'s figures: each case's parameters, alerts and
 * outcome, and the range the pipeline estimated on the lead's track against the true gap, pooled
 * and by the lead's width (the range prior assumes 1.8 m for a car, so a narrower or wider lead is
 * where a width-based range goes wrong). {@code cases.json} holds no time or path, so the same
 * suite and seed give the same bytes as long as the detector gives the same boxes.
 */
final class VideoSuiteReport {

    /** Width bins of the range-error table, m. */
    static final double WIDTH_BIN_M = 0.1;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final VideoSuite suite;
    private final List<VideoSuiteRunner.CaseResult> results;
    private final int casesPerClip;
    private final long seed;

    private VideoSuiteReport(VideoSuite suite, List<VideoSuiteRunner.CaseResult> results, int casesPerClip, long seed) {
        this.suite = suite;
        this.results = results;
        this.casesPerClip = casesPerClip;
        this.seed = seed;
    }

    static VideoSuiteReport of(VideoSuite suite, List<VideoSuiteRunner.CaseResult> results, int casesPerClip, long seed) {
        return new VideoSuiteReport(suite, List.copyOf(results), casesPerClip, seed);
    }

    /** Pooled range errors of a set of cases, and how many cases they came from. */
    record Pool(int cases, int framesDrawn, int framesTracked, double[] errorsM, double[] relErrors) {
        double medianErrorM() {
            return VideoSuiteRunner.median(errorsM);
        }

        double absQuantileM(double p) {
            double[] a = new double[errorsM.length];
            for (int i = 0; i < a.length; i++) {
                a[i] = Math.abs(errorsM[i]);
            }
            return VideoSuiteRunner.quantile(a, p);
        }

        double medianAbsRel() {
            double[] a = new double[relErrors.length];
            for (int i = 0; i < a.length; i++) {
                a[i] = Math.abs(relErrors[i]);
            }
            return VideoSuiteRunner.median(a);
        }
    }

    static Pool pool(List<VideoSuiteRunner.RangeErrors> ranges) {
        int drawn = 0;
        int tracked = 0;
        List<Double> e = new ArrayList<>();
        List<Double> r = new ArrayList<>();
        for (VideoSuiteRunner.RangeErrors x : ranges) {
            drawn += x.framesDrawn();
            tracked += x.framesTracked();
            for (double v : x.errorsM()) {
                e.add(v);
            }
            for (double v : x.relErrors()) {
                r.add(v);
            }
        }
        return new Pool(ranges.size(), drawn, tracked, e.stream().mapToDouble(Double::doubleValue).toArray(),
                r.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** The cases' range errors by the lead's width, in {@link #WIDTH_BIN_M} bins. */
    TreeMap<Double, Pool> byWidth() {
        TreeMap<Double, List<VideoSuiteRunner.RangeErrors>> bins = new TreeMap<>();
        for (VideoSuiteRunner.CaseResult c : results) {
            double from = Math.floor(c.c().script().widthM() / WIDTH_BIN_M + 1e-9) * WIDTH_BIN_M;
            bins.computeIfAbsent(Math.round(from * 100) / 100.0, k -> new ArrayList<>()).add(c.range());
        }
        TreeMap<Double, Pool> out = new TreeMap<>();
        bins.forEach((k, v) -> out.put(k, pool(v)));
        return out;
    }

    Pool all() {
        return pool(results.stream().map(VideoSuiteRunner.CaseResult::range).toList());
    }

    void print(PrintWriter out) {
        Pool all = all();
        out.printf(Locale.ROOT, "range on the lead's track against the true gap: lead tracked on %d of %d drawn frames (%s);"
                        + " error median %s, |error| median %s, p90 %s; |relative error| median %s%n", all.framesTracked(), all.framesDrawn(),
                pct(all.framesDrawn() == 0 ? 0 : all.framesTracked() / (double) all.framesDrawn()), m(all.medianErrorM()),
                a(all.absQuantileM(0.5)), a(all.absQuantileM(0.9)), pct(all.medianAbsRel()));
        out.printf(Locale.ROOT, "  %-12s %6s %8s %12s %12s %12s %12s%n", "lead width", "cases", "frames", "median err", "|err| median",
                "|err| p90", "|rel| median");
        byWidth().forEach((from, p) -> out.printf(Locale.ROOT, "  %-12s %6d %8d %12s %12s %12s %12s%n",
                String.format(Locale.ROOT, "%.1f-%.1f m", from, from + WIDTH_BIN_M), p.cases(), p.framesTracked(), m(p.medianErrorM()),
                a(p.absQuantileM(0.5)), a(p.absQuantileM(0.9)), pct(p.medianAbsRel())));
    }

    static void printRange(PrintWriter out, String label, VideoSuiteRunner.RangeErrors r) {
        Pool p = pool(List.of(r));
        out.printf(Locale.ROOT, "%s: tracked on %d of %d drawn frames; error median %s, |error| median %s, p90 %s; |relative| median %s%n",
                label, p.framesTracked(), p.framesDrawn(), m(p.medianErrorM()), a(p.absQuantileM(0.5)), a(p.absQuantileM(0.9)),
                pct(p.medianAbsRel()));
    }

    ObjectNode json() {
        ObjectNode root = JSON.createObjectNode();
        root.put("tool", VideoSuiteCommand.TOOL);
        root.put("suite", suite.name());
        root.put("file", suite.file());
        root.put("sha256", suite.sha256());
        root.put("seed", seed);
        root.put("casesPerClip", casesPerClip);
        root.put("model", VideoSuiteRunner.MODEL);
        root.put("sprite", VideoSuiteRunner.SPRITE);
        ObjectNode range = root.putObject("rangeError");
        putPool(range.putObject("all"), all());
        ArrayNode widths = range.putArray("byWidth");
        byWidth().forEach((from, p) -> {
            ObjectNode w = widths.addObject();
            w.put("widthFromM", from);
            w.put("widthToM", r(from + WIDTH_BIN_M, 2));
            putPool(w, p);
        });
        ArrayNode cases = root.putArray("cases");
        for (VideoSuiteRunner.CaseResult c : results) {
            ObjectNode n = cases.addObject();
            n.put("id", c.c().id());
            n.put("group", c.outcome().runId().substring(0, c.outcome().runId().indexOf('/')));
            n.put("clip", c.c().clip());
            n.put("passed", c.outcome().passed());
            n.put("reason", c.outcome().reason());
            n.put("frames", c.frames());
            ObjectNode p = n.putObject("parameters");
            ScenarioFamily f = suite.groups().get(c.c().group()).family();
            for (int i = 0; i < f.parameters().size(); i++) {
                p.put(f.parameters().get(i).name(), r(c.c().values()[i], 6));
            }
            ObjectNode s = n.putObject("script");
            LeadScript l = c.c().script();
            s.put("initialGapM", r(l.initialGapM(), 4));
            s.put("heightM", r(l.heightM(), 4));
            if (Double.isFinite(l.laneChangeAtS())) {
                s.put("laneChangeAtS", r(l.laneChangeAtS(), 4));
            }
            ArrayNode alerts = n.putArray("alerts");
            for (VideoSuiteRunner.AlertSeen a : c.alerts()) {
                ObjectNode an = alerts.addObject();
                an.put("kind", a.kind());
                an.put("frameIndex", a.frameIndex());
                an.put("onLeadTrack", a.onLead());
                an.put("leadInEgoPath", a.leadInPath());
                if (Double.isFinite(a.trueTtcS())) {
                    an.put("trueTtcS", r(a.trueTtcS(), 4));
                } else {
                    an.putNull("trueTtcS");
                }
                an.put("trueGapM", r(a.trueGapM(), 3));
                an.put("estimatedTtcS", r(a.estimatedTtcS(), 4));
                an.put("estimatedRangeM", r(a.estimatedRangeM(), 3));
            }
            putPool(n.putObject("rangeError"), pool(List.of(c.range())));
        }
        return root;
    }

    private static void putPool(ObjectNode n, Pool p) {
        n.put("cases", p.cases());
        n.put("framesDrawn", p.framesDrawn());
        n.put("framesTracked", p.framesTracked());
        if (p.errorsM().length > 0) {
            n.put("medianErrorM", r(p.medianErrorM(), 4));
            n.put("medianAbsErrorM", r(p.absQuantileM(0.5), 4));
            n.put("p90AbsErrorM", r(p.absQuantileM(0.9), 4));
            n.put("maxAbsErrorM", r(p.absQuantileM(1.0), 4));
            n.put("medianAbsRelError", r(p.medianAbsRel(), 6));
        }
    }

    /** The cases and the range table, for the end of report.html. */
    String html() {
        StringBuilder b = new StringBuilder();
        b.append("<section class=\"family\" id=\"video-range\"><h2>Range on the lead's track against the true gap</h2>\n")
                .append("<p class=\"meta\">Every frame where the lead was drawn and a track overlapped it (IoU ≥ ")
                .append(VideoSuiteRunner.LEAD_IOU).append("), the range the pipeline estimated for that track minus the scripted gap."
                        + " The range prior assumes a 1.8 m wide car; the suite varies the sprite's width.</p>\n");
        b.append("<table class=\"stats\"><tr><th>lead width</th><th>cases</th><th>frames tracked / drawn</th><th>median error</th>"
                + "<th>|error| median</th><th>|error| p90</th><th>|relative error| median</th></tr>\n");
        Pool all = all();
        rangeRow(b, "all", all);
        byWidth().forEach((from, p) -> rangeRow(b, String.format(Locale.ROOT, "%.1f–%.1f m", from, from + WIDTH_BIN_M), p));
        b.append("</table></section>\n");
        b.append("<section class=\"family\" id=\"video-cases\"><h2>Cases</h2>\n<table class=\"runs\"><tr><th>case</th><th>clip</th>"
                + "<th>lead</th><th>result</th><th>why</th></tr>\n");
        for (VideoSuiteRunner.CaseResult c : results) {
            b.append("<tr><td><code>").append(ReportWriter.esc(c.c().id())).append("</code></td><td>")
                    .append(ReportWriter.esc(c.c().clip())).append("</td><td>")
                    .append(ReportWriter.esc(VideoSuiteCommand.describe(suite, c.c()).replaceFirst("^clip [^,]*, ", ""))).append("</td><td>")
                    .append(c.outcome().passed() ? "pass" : "<b>FAIL</b>").append("</td><td>").append(ReportWriter.esc(c.outcome().reason()))
                    .append("</td></tr>\n");
        }
        b.append("</table><p class=\"meta\">Re-run one alone: <code>").append(ReportWriter.esc(VideoSuiteCommand.rerunCommand(suite, "ID")))
                .append("</code></p></section>\n");
        return b.toString();
    }

    private static void rangeRow(StringBuilder b, String label, Pool p) {
        b.append("<tr><td>").append(ReportWriter.esc(label)).append("</td><td>").append(p.cases()).append("</td><td>")
                .append(p.framesTracked()).append(" / ").append(p.framesDrawn()).append("</td><td>").append(m(p.medianErrorM()))
                .append("</td><td>").append(m(p.absQuantileM(0.5))).append("</td><td>").append(m(p.absQuantileM(0.9)))
                .append("</td><td>").append(pct(p.medianAbsRel())).append("</td></tr>\n");
    }

    /** A signed error. */
    private static String m(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%+.2f m", v == 0 ? 0.0 : v);
    }

    /** A size (absolute error). */
    private static String a(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f m", v);
    }

    private static String pct(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.1f %%", v * 100);
    }

    private static double r(double v, int digits) {
        double scale = Math.pow(10, digits);
        return Math.round(v * scale) / scale;
    }
}
