package io.sightline.cloud.api;

import io.sightline.cloud.trace.AlertExplanation;
import io.sightline.explain.margins.Counterfactual;
import io.sightline.explain.margins.FactorMargin;
import io.sightline.explain.margins.KinematicBound;
import io.sightline.explain.trace.CausalTrace;
import io.sightline.explain.trace.TraceEdge;
import io.sightline.explain.trace.TraceNode;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The three renderings of a causal trace: JSON for programs, Graphviz DOT for offline tools, and a
 * self-contained HTML page (inline SVG, no scripts, fonts or fetches) that an investigator can save
 * or attach to a report and still open years later.
 */
final class TraceViews {

    private TraceViews() {
    }

    /**
     * @param sessionTimeS edge time since the session started, s; null when the session start is unknown
     * @param payload      the event as stored (decoded, upcast)
     */
    record NodeView(String eventId, String type, TraceNode.Role role, long sequence, long globalIndex, long occurredAtNanos,
                    Double sessionTimeS, String summary, Object payload) {
    }

    /** "{@code from} was computed from {@code to}". */
    record EdgeView(String from, String to, TraceEdge.Kind kind) {
    }

    /** @param driftInForce drift findings the alert was raised under: context found later in the cloud, never a cause */
    record TraceView(String alertId, String alertEventId, String sessionId, List<NodeView> nodes, List<EdgeView> edges,
                     Set<String> truncatedCauseIds, Set<String> missingCauseIds, List<DriftReadModel.Finding> driftInForce) {
    }

    static TraceView json(AlertExplanation explanation) {
        CausalTrace trace = explanation.trace();
        List<NodeView> nodes = trace.nodes().values().stream().map(n -> new NodeView(n.eventId(), n.type(), n.role(),
                n.event().sequence(), n.event().globalIndex(), n.occurredAtNanos(),
                Double.isNaN(n.sessionTimeS()) ? null : n.sessionTimeS(), n.summary(), n.payload())).toList();
        List<EdgeView> edges = trace.edges().stream().map(e -> new EdgeView(e.fromEventId(), e.toEventId(), e.kind())).toList();
        return new TraceView(trace.alertId(), trace.alertEventId(), trace.sessionId(), nodes, edges, trace.truncatedCauseIds(),
                trace.missingCauseIds(), explanation.driftInForce());
    }

    static String dot(CausalTrace trace) {
        StringBuilder out = new StringBuilder();
        out.append("digraph ").append(dotId("trace " + trace.alertId())).append(" {\n");
        // Causes to the right of what they caused, the way the narrative reads: alert first, evidence after.
        out.append("  rankdir=LR;\n  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=10];\n");
        for (TraceNode n : trace.nodes().values()) {
            out.append("  ").append(dotId(n.eventId())).append(" [label=").append(dotId(n.type() + "\n" + n.summary()))
                    .append(", tooltip=").append(dotId(n.eventId()))
                    .append(", fillcolor=\"").append(fill(n.role())).append("\"];\n");
        }
        for (TraceEdge e : trace.edges()) {
            out.append("  ").append(dotId(e.fromEventId())).append(" -> ").append(dotId(e.toEventId()));
            if (e.kind() == TraceEdge.Kind.PROVENANCE) {
                out.append(" [style=dashed, label=\"provenance\"]");
            }
            out.append(";\n");
        }
        return out.append("}\n").toString();
    }

    /** A DOT quoted id: backslash and quote escaped, line breaks as DOT's centred "\n". */
    static String dotId(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\r", "").replace("\n", "\\n") + "\"";
    }

    private static String fill(TraceNode.Role role) {
        return switch (role) {
            case ALERT -> "#f8d7da";
            case CAUSE -> "#fff3cd";
            case TRACK_HISTORY -> "#e2e3e5";
            case PROVENANCE -> "#d1ecf1";
            case CONSEQUENCE -> "#d4edda";
        };
    }

    /**
     * The page an investigator saves: narrative, margins, and the trace drawn by {@link TraceSvg}, the
     * same drawing the investigator UI shows ({@code ?format=svg}), so there is one picture of a trace.
     */
    static String html(AlertExplanation explanation) {
        CausalTrace trace = explanation.trace();
        String svg = TraceSvg.render(trace);

        StringBuilder page = new StringBuilder();
        page.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
                .append(escape("Alert " + trace.alertId())).append("</title>\n<style>")
                .append("body{font-family:sans-serif;margin:1.5em;color:#222}")
                .append("table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}")
                .append(".graph{overflow:auto;border:1px solid #ddd}")
                .append("</style></head><body>\n<h1>").append(escape("Alert " + trace.alertId())).append("</h1>\n");
        page.append("<p class=\"headline\">").append(escape(explanation.narrative().headline())).append("</p>\n<ul class=\"details\">");
        for (String d : explanation.narrative().details()) {
            page.append("<li>").append(escape(d)).append("</li>");
        }
        page.append("</ul>\n");
        Counterfactual margins = explanation.margins();
        if (margins != null) {
            page.append("<h2>Margins of ").append(escape(margins.assessmentId())).append("</h2>\n<table class=\"margins\"><tr>"
                    + "<th>Factor</th><th>Value</th><th>Condition</th><th>Margin</th><th>Flips decision</th><th>Counterfactual</th></tr>");
            for (FactorMargin f : margins.factors()) {
                page.append("<tr><td>").append(escape(f.label())).append("</td><td>").append(num(f.value())).append(' ')
                        .append(escape(f.unit())).append("</td><td>").append(escape(f.comparison() + " " + num(f.threshold())))
                        .append("</td><td>").append(num(f.marginInUnit())).append(' ').append(escape(f.unit())).append("</td><td>")
                        .append(f.flipsDecision() ? "yes" : "no").append("</td><td>").append(escape(f.statement())).append("</td></tr>");
            }
            page.append("</table>\n<table class=\"kinematics\"><tr><th>Quantity</th><th>Recorded</th><th>Boundary</th>"
                    + "<th>Change needed</th><th>Counterfactual</th></tr>");
            for (KinematicBound k : margins.kinematics()) {
                page.append("<tr><td>").append(escape(k.quantity())).append("</td><td>").append(num(k.recorded())).append(' ')
                        .append(escape(k.unit())).append("</td><td>").append(num(k.boundary())).append("</td><td>")
                        .append(num(k.changeNeeded())).append("</td><td>").append(escape(k.statement())).append("</td></tr>");
            }
            page.append("</table>\n");
        }
        if (!explanation.driftInForce().isEmpty()) {
            page.append("<h2>Raised under drift</h2>\n<ul class=\"drift\">");
            for (DriftReadModel.Finding f : explanation.driftInForce()) {
                page.append("<li>").append(escape(driftSentence(f))).append("</li>");
            }
            page.append("</ul>\n");
        }
        page.append("<h2>Causal trace</h2>\n<div class=\"graph\">\n").append(svg).append("</div>\n");
        if (!trace.missingCauseIds().isEmpty()) {
            page.append("<p class=\"missing\">Causes named but not found in the store: ")
                    .append(escape(String.join(", ", trace.missingCauseIds()))).append("</p>\n");
        }
        return page.append("</body></html>\n").toString();
    }

    /** One line per finding, for the page and the narrative: which feature of which scope, by how much, and when. */
    static String driftSentence(DriftReadModel.Finding f) {
        var m = f.measurement();
        String comparison = m.statistic().endsWith("p_value") ? " < " : " >= ";
        return f.scope() + " " + f.scopeKey() + ": " + f.feature() + " drifted (" + m.statistic() + " " + num(m.statisticValue()) + comparison
                + num(m.statisticThreshold()) + "; session-level p " + num(m.sessionPValue()) + " < " + num(m.sessionPValueThreshold())
                + ", PSI " + num(m.psi()) + "), finding " + f.findingId() + (f.clearedAtNanos() == null ? ", still open" : ", since cleared");
    }

    private static String num(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.3g", v) : String.valueOf(v);
    }

    static String escape(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
