package io.sightline.eval.report;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * Writes {@code report.json} (indented, '\n' line ends, the same bytes for the same report) and
 * {@code report.html}: one self-contained page with the tables rendered here and the charts drawn
 * by ECharts, inlined from its WebJar on the class path (no network, no CDN).
 */
public final class ReportWriter {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectWriter PRETTY = JSON.writer(new DefaultPrettyPrinter()
            .withObjectIndenter(new DefaultIndenter("  ", "\n"))
            .withArrayIndenter(new DefaultIndenter("  ", "\n")));
    private static final String WEBJAR_PROPERTIES = "META-INF/maven/org.webjars.npm/echarts/pom.properties";

    private ReportWriter() {
    }

    public static String json(EvaluationReport report) {
        try {
            return PRETTY.writeValueAsString(report) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static void writeJson(EvaluationReport report, Path file) throws IOException {
        Files.writeString(file, json(report), StandardCharsets.UTF_8);
    }

    /** A release gate's verdict, every bound checked, beside the report. */
    public static void writeGate(io.sightline.eval.gate.ReleaseGate.Verdict verdict, Path file) throws IOException {
        Files.writeString(file, PRETTY.writeValueAsString(verdict) + "\n", StandardCharsets.UTF_8);
    }

    /** A replay evaluation's report (issue 15 §5). */
    public static void writeReplay(io.sightline.eval.replay.ReplayBackend.Report report, Path file) throws IOException {
        Files.writeString(file, PRETTY.writeValueAsString(report) + "\n", StandardCharsets.UTF_8);
    }

    public static void writeHtml(EvaluationReport report, Path file) throws IOException {
        Files.writeString(file, html(report), StandardCharsets.UTF_8);
    }

    /** The ECharts version the report inlines, from the WebJar's Maven metadata. */
    public static String echartsVersion() {
        try (InputStream in = resource(WEBJAR_PROPERTIES)) {
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + WEBJAR_PROPERTIES, e);
        }
    }

    static String echartsScript() {
        String path = "META-INF/resources/webjars/echarts/" + echartsVersion() + "/dist/echarts.min.js";
        try (InputStream in = resource(path)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + path, e);
        }
    }

    private static InputStream resource(String path) throws IOException {
        InputStream in = ReportWriter.class.getClassLoader().getResourceAsStream(path);
        if (in == null) {
            throw new IOException("the ECharts WebJar is not on the class path (" + path + ")");
        }
        return in;
    }

    public static String html(EvaluationReport r) {
        return html(r, f -> "./sightline evaluate --family " + f.file() + " --rerun ID", "", "Sightline evaluation");
    }

    /**
     * As {@link #html(EvaluationReport)} for another tool's runs: {@code rerunCommand} gives a
     * family's command to re-run one of its runs alone (ID stands for the run id), and
     * {@code extraHtml} (already escaped by the caller) goes after the families.
     */
    public static String html(EvaluationReport r, java.util.function.Function<EvaluationReport.FamilyReport, String> rerunCommand,
                              String extraHtml, String title) {
        StringBuilder b = new StringBuilder(64 * 1024);
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>").append(esc(title));
        if (r.suite() != null) {
            b.append(" — ").append(esc(r.suite()));
        }
        b.append("</title>\n<style>\n").append(CSS).append("</style>\n</head><body>\n");
        b.append("<h1>").append(esc(title)).append(r.suite() == null ? "" : ": suite " + esc(r.suite())).append("</h1>\n");
        b.append("<p class=\"meta\">policy <b>").append(esc(r.policy().version())).append("</b> · seed ").append(r.seed())
                .append(" · ").append(r.runsPerCell()).append(" runs per cell · ").append(r.totals().runs())
                .append(" runs in ").append(r.totals().families()).append(r.totals().families() == 1 ? " family" : " families")
                .append(" · bounds one-sided ").append(String.format(Locale.ROOT, "%.0f %%", r.confidence() * 100))
                .append(" Clopper–Pearson · families sha256 <code>")
                .append(esc(r.familiesSha256().substring(0, 16))).append("…</code></p>\n");
        b.append("<p class=\"meta\">Targets: failure rate of a hazard family ≤ ").append(pct(r.targets().hazardFailureUpper()))
                .append(", false-alert rate of a benign family ≤ ").append(pct(r.targets().benignFalseAlertUpper()))
                .append(" (upper bounds).</p>\n");
        summaryTable(b, r);
        for (int i = 0; i < r.families().size(); i++) {
            family(b, r.families().get(i), i, rerunCommand);
        }
        b.append(extraHtml);
        b.append("<script>\n").append(echartsScript().replace("</script", "<\\/script")).append("\n</script>\n");
        b.append("<script id=\"report-data\" type=\"application/json\">")
                .append(json(r).replace("</", "<\\/")).append("</script>\n");
        b.append("<script>\n").append(CHARTS_JS).append("</script>\n</body></html>\n");
        return b.toString();
    }

    private static void summaryTable(StringBuilder b, EvaluationReport r) {
        b.append("<h2>Summary</h2>\n<table class=\"summary\"><thead><tr><th>family</th><th>kind</th><th>runs</th>")
                .append("<th>failed</th><th>failure rate</th><th>95 % upper bound</th><th>target</th>")
                .append("<th>more clean runs to claim the target<br>(exact · rule of three)</th><th>grid cells passed</th>")
                .append("</tr></thead><tbody>\n");
        for (EvaluationReport.FamilyReport f : r.families()) {
            var bu = f.budget();
            b.append("<tr class=\"").append(f.failedRuns() == 0 ? "ok" : "bad").append("\"><td><a href=\"#f-")
                    .append(esc(f.id())).append("\">").append(esc(f.id())).append("</a></td><td>")
                    .append(f.kind().toLowerCase(Locale.ROOT)).append("</td><td>").append(f.runs()).append("</td><td>")
                    .append(f.failedRuns()).append("</td><td>").append(pct(f.failureRate())).append("</td><td>")
                    .append(pct(f.failureUpper95())).append("</td><td>").append(bu.met() ? "≤ " : "&gt; ")
                    .append(pct(bu.target())).append(bu.met() ? " met" : " not met").append("</td><td>")
                    .append(bu.moreCleanRuns() == null ? "beyond reach" : bu.moreCleanRuns()).append(" · ")
                    .append(bu.moreCleanRunsRuleOfThree() == null ? "n/a (failures seen)" : bu.moreCleanRunsRuleOfThree())
                    .append("</td><td>").append(f.grid() == null ? "–" : f.grid().cellsPassed() + " / " + f.grid().cells().size())
                    .append("</td></tr>\n");
        }
        b.append("</tbody></table>\n");
    }

    private static void family(StringBuilder b, EvaluationReport.FamilyReport f, int index,
                               java.util.function.Function<EvaluationReport.FamilyReport, String> rerunCommand) {
        b.append("<section class=\"family\" id=\"f-").append(esc(f.id())).append("\">\n<h2>").append(esc(f.id()))
                .append(" <span class=\"kind\">").append(f.kind().toLowerCase(Locale.ROOT)).append("</span></h2>\n");
        b.append("<p>").append(esc(f.description())).append("</p>\n");
        if (!f.source().isEmpty()) {
            b.append("<p class=\"meta\">Source: ").append(esc(f.source())).append("</p>\n");
        }
        b.append("<p class=\"meta\">File <code>").append(esc(f.file())).append("</code> (sha256 <code>")
                .append(esc(f.sha256().substring(0, Math.min(16, f.sha256().length())))).append("…</code>) · requirement: ")
                .append(esc(f.requirement())).append(" · ").append(f.cells()).append(f.cells() == 1 ? " cell" : " cells")
                .append(" × ").append(f.runsPerCell()).append(" runs</p>\n");
        for (String w : f.warnings()) {
            b.append("<p class=\"warn\">").append(esc(w)).append("</p>\n");
        }
        b.append("<details><summary>parameters (").append(f.parameters().size()).append(")</summary><table>");
        for (EvaluationReport.Parameter p : f.parameters()) {
            b.append("<tr><td><code>").append(esc(p.name())).append("</code></td><td>").append(esc(p.spec())).append("</td></tr>");
        }
        b.append("</table></details>\n<table class=\"stats\">");
        if (f.hazard() != null) {
            var h = f.hazard();
            row(b, "warning rate (" + h.alertKind() + " before impact)", pct(h.warningRate()) + " (" + h.warned() + " / "
                    + f.runs() + "), 95 % lower bound " + pct(h.warningRateLower95()));
            row(b, "miss rate (no warning before impact)", pct(h.missRate()) + ", 95 % upper bound " + pct(h.missRateUpper95()));
            if (h.protocolMinTtcS() != null) {
                row(b, "late or missed (no warning at TTC ≥ " + h.protocolMinTtcS() + " s)", pct(h.lateOrMissedRate()) + " ("
                        + h.lateOrMissed() + "), 95 % upper bound " + pct(h.lateOrMissedUpper95()));
                row(b, "TTC at first warning: min / p5 / median / max", s(h.ttcMinS()) + " / " + s(h.ttcP5S()) + " / "
                        + s(h.ttcMedianS()) + " / " + s(h.ttcMaxS()));
                row(b, "warned at or before the protocol minimum TTC " + h.protocolMinTtcS() + " s", pct(h.warnedBeforeMinShare()));
                row(b, "nuisance (first warning earlier than " + h.nuisanceTtcS() + " s before impact)", pct(h.nuisanceRate())
                        + " (" + h.nuisance() + "), 95 % upper bound " + pct(h.nuisanceUpper95()));
            }
            var c = h.coverage();
            if (c != null) {
                row(b, "unobservable: sensor-coverage gap (road user in view < " + s(c.requiredInViewS()) + " unbroken in the warning window after its onset)",
                        pct(c.unobservableShare()) + " (" + c.unobservableRuns() + " / " + f.runs() + ", " + c.unobservableFailed()
                                + " failed), 95 % bounds " + pct(c.unobservableLower95()) + " – " + pct(c.unobservableUpper95()));
                row(b, "observable runs: late or missed", c.observableRuns() == 0 ? "no observable run"
                        : pct(c.observableLateOrMissedRate()) + " (" + c.observableLateOrMissed() + " / " + c.observableRuns()
                                + "), 95 % upper bound " + pct(c.observableLateOrMissedUpper95()));
                row(b, "observable runs: missed", c.observableRuns() == 0 ? "no observable run"
                        : pct(c.observableMissRate()) + " (" + c.observableMissed() + "), 95 % upper bound "
                                + pct(c.observableMissRateUpper95()));
            }
        }
        if (f.benign() != null) {
            var bn = f.benign();
            row(b, "false-alert rate", pct(bn.falseAlertRate()) + " (" + bn.falseAlertRuns() + " / " + f.runs()
                    + "), 95 % upper bound " + pct(bn.falseAlertUpper95()) + (bn.byKind().isEmpty() ? "" : " · first alerts " + bn.byKind()));
        }
        var bu = f.budget();
        row(b, "budget for " + pct(bu.target()), (bu.met() ? "met: " : "not met: ") + "upper bound " + pct(bu.upperBound())
                + "; more clean runs needed " + (bu.moreCleanRuns() == null ? "beyond reach" : bu.moreCleanRuns())
                + " (exact), " + (bu.moreCleanRunsRuleOfThree() == null ? "n/a" : bu.moreCleanRunsRuleOfThree())
                + " (rule of three, " + bu.ruleOfThreeRuns() + " clean runs in all; exact " + bu.zeroFailureRuns() + ")");
        b.append("</table>\n");
        if (f.hazard() != null && f.hazard().ttcHistogram() != null) {
            b.append("<div class=\"chart\" id=\"ttc-").append(index).append("\" data-family=\"").append(index)
                    .append("\"></div>\n");
        }
        if (f.grid() != null) {
            b.append("<p>Grid: ").append(f.grid().cellsPassed()).append(" of ").append(f.grid().cells().size())
                    .append(" cells passed on every run");
            if (f.grid().cellsLateOrMissed() != null) {
                b.append("; ").append(f.grid().cellsLateOrMissed()).append(" with a run warned after the protocol minimum or never");
            }
            b.append(".</p>\n<div class=\"chart heat\" id=\"grid-").append(index)
                    .append("\" data-family=\"").append(index).append("\"></div>\n");
        }
        runs(b, "failing runs", f.failingRuns(), f.failingRunsNotListed(), rerunCommand.apply(f));
        runs(b, "latest warnings", f.worstRuns(), 0, rerunCommand.apply(f));
        b.append("</section>\n");
    }

    private static void runs(StringBuilder b, String title, List<EvaluationReport.Run> runs, int more, String rerunCommand) {
        if (runs.isEmpty()) {
            return;
        }
        b.append("<details").append(title.startsWith("failing") ? " open" : "").append("><summary>").append(title)
                .append(" (").append(runs.size()).append(more > 0 ? " of " + (runs.size() + more) : "")
                .append(")</summary><table class=\"runs\"><tr><th>run</th><th>TTC at warning</th><th>why</th><th>input</th></tr>");
        for (EvaluationReport.Run r : runs) {
            b.append("<tr><td><code>").append(esc(r.id())).append("</code></td><td>").append(s(r.ttcAtWarningS()))
                    .append("</td><td>").append(esc(r.reason()))
                    .append(r.coverage() == null ? "" : "<br><span class=\"meta\">" + esc(r.coverage()) + "</span>")
                    .append("</td><td>");
            if (r.input() != null) {
                b.append("<a href=\"").append(esc(r.input())).append("\">scenario</a>");
            }
            b.append("</td></tr>");
        }
        b.append("</table><p class=\"meta\">Re-run one alone: <code>").append(esc(rerunCommand))
                .append("</code></p></details>\n");
    }

    private static void row(StringBuilder b, String k, String v) {
        b.append("<tr><th>").append(esc(k)).append("</th><td>").append(esc(v)).append("</td></tr>");
    }

    private static String s(Double v) {
        return v == null ? "–" : String.format(Locale.ROOT, "%.2f s", v);
    }

    static String pct(double v) {
        if (v != 0 && Math.abs(v) < 0.001) {
            return String.format(Locale.ROOT, "%.4f %%", v * 100);
        }
        return String.format(Locale.ROOT, "%.2f %%", v * 100);
    }

    public static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    private static final String CSS = """
            body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; max-width: 1200px; }
            table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.9em; }
            th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; vertical-align: top; }
            table.summary tr.bad td:first-child { border-left: 4px solid #c0392b; }
            table.summary tr.ok td:first-child { border-left: 4px solid #27ae60; }
            .meta { color: #555; font-size: 0.85em; }
            .warn { color: #a04000; font-weight: bold; }
            .kind { font-size: 0.6em; color: #666; font-weight: normal; }
            .chart { width: 100%; height: 300px; }
            .chart.heat { height: 420px; }
            section.family { border-top: 2px solid #ddd; margin-top: 1.5em; }
            """;

    /** Draws the charts from the embedded report data. */
    private static final String CHARTS_JS = """
            (function () {
              var data = JSON.parse(document.getElementById('report-data').textContent);
              var enc = echarts.format.encodeHTML;
              document.querySelectorAll('div[id^="ttc-"]').forEach(function (el) {
                var f = data.families[+el.dataset.family];
                var h = f.hazard.ttcHistogram;
                var pts = h.counts.map(function (c, i) { return [h.fromS + (i + 0.5) * h.binS, c]; });
                var lines = [{ xAxis: f.hazard.protocolMinTtcS, name: 'protocol minimum ' + f.hazard.protocolMinTtcS + ' s' },
                             { xAxis: f.hazard.nuisanceTtcS, name: 'nuisance limit ' + f.hazard.nuisanceTtcS + ' s' }];
                echarts.init(el, null, { renderer: 'svg' }).setOption({
                  animation: false,
                  title: { text: 'TTC at the first ' + f.hazard.alertKind + ' warning (' + f.hazard.warned + ' warned runs)',
                           textStyle: { fontSize: 13 } },
                  tooltip: { trigger: 'axis', formatter: function (p) {
                    return enc(p[0].value[0].toFixed(2) + ' s: ' + p[0].value[1] + ' runs'); } },
                  xAxis: { type: 'value', name: 'true TTC (s)', min: 0 },
                  yAxis: { type: 'value', name: 'runs' },
                  series: [{ type: 'bar', data: pts, barWidth: '90%', itemStyle: { color: '#2c7fb8' },
                    markLine: { symbol: 'none', label: { formatter: '{b}' },
                                lineStyle: { color: '#c0392b', type: 'dashed' }, data: lines } }]
                });
              });
              document.querySelectorAll('div[id^="grid-"]').forEach(function (el) {
                var f = data.families[+el.dataset.family];
                var dims = f.grid.dimensions;
                var xd = dims[dims.length - 1];
                var rest = dims.slice(0, dims.length - 1);
                var ys = [], yIndex = {};
                f.grid.cells.forEach(function (c) {
                  var label = rest.length === 0 ? 'all' : rest.map(function (d) { return d.name + ' ' + c.values[d.name]; }).join(', ');
                  if (!(label in yIndex)) { yIndex[label] = ys.length; ys.push(label); }
                  c._y = yIndex[label];
                  c._x = xd.values.indexOf(c.values[xd.name]);
                });
                var pts = f.grid.cells.map(function (c) { return [c._x, c._y, c.passed / c.runs, c.passed, c.runs, c.ttcMinS, c.lateOrMissed, c.nuisance]; });
                echarts.init(el, null, { renderer: 'svg' }).setOption({
                  animation: false,
                  title: { text: 'Share of runs passing per cell (' + f.grid.cellsPassed + ' of ' + f.grid.cells.length + ' cells pass)',
                           textStyle: { fontSize: 13 } },
                  tooltip: { formatter: function (p) {
                    return enc(ys[p.value[1]] + ', ' + xd.name + ' ' + xd.values[p.value[0]] + ': ' + p.value[3] + ' / '
                      + p.value[4] + ' passed' + (p.value[6] == null ? '' : ', ' + p.value[6] + ' late or missed, ' + p.value[7] + ' early (nuisance)')
                      + (p.value[5] == null ? '' : ', earliest-warned TTC min ' + p.value[5] + ' s')); } },
                  grid: { left: 220, right: 30, bottom: 70 },
                  xAxis: { type: 'category', name: xd.name, nameLocation: 'middle', nameGap: 30, data: xd.values.map(String) },
                  yAxis: { type: 'category', data: ys },
                  visualMap: { type: 'piecewise', dimension: 2, orient: 'horizontal', left: 'center', bottom: 0,
                               pieces: [{ gte: 1, label: 'cell passes (every run)', color: '#27ae60' },
                                        { gte: 0.9, lt: 1, label: 'fails: 90-99 % of runs pass', color: '#f39c12' },
                                        { lt: 0.9, label: 'fails: under 90 % pass', color: '#c0392b' }] },
                  series: [{ type: 'heatmap', data: pts,
                    label: { show: true, fontSize: 10, formatter: function (p) { return p.value[3] + '/' + p.value[4]; } } }]
                });
              });
              document.body.dataset.chartsDrawn = String(document.querySelectorAll('svg').length);
            })();
            """;
}
