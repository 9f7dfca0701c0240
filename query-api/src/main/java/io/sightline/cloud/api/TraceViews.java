package io.sightline.cloud.api;

import io.sightline.cloud.trace.AlertExplanation;
import io.sightline.explain.margins.Counterfactual;
import io.sightline.explain.margins.FactorMargin;
import io.sightline.explain.margins.KinematicBound;
import io.sightline.explain.trace.CausalTrace;
import io.sightline.explain.trace.TraceEdge;
import io.sightline.explain.trace.TraceNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

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

    record TraceView(String alertId, String alertEventId, String sessionId, List<NodeView> nodes, List<EdgeView> edges,
                     Set<String> truncatedCauseIds, Set<String> missingCauseIds) {
    }

    static TraceView json(CausalTrace trace) {
        List<NodeView> nodes = trace.nodes().values().stream().map(n -> new NodeView(n.eventId(), n.type(), n.role(),
                n.event().sequence(), n.event().globalIndex(), n.occurredAtNanos(),
                Double.isNaN(n.sessionTimeS()) ? null : n.sessionTimeS(), n.summary(), n.payload())).toList();
        List<EdgeView> edges = trace.edges().stream().map(e -> new EdgeView(e.fromEventId(), e.toEventId(), e.kind())).toList();
        return new TraceView(trace.alertId(), trace.alertEventId(), trace.sessionId(), nodes, edges, trace.truncatedCauseIds(),
                trace.missingCauseIds());
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

    private static final int BOX_WIDTH_PX = 260;
    private static final int BOX_HEIGHT_PX = 46;
    private static final int COLUMN_GAP_PX = 60;
    private static final int ROW_GAP_PX = 14;
    private static final int MARGIN_PX = 20;
    private static final int SUMMARY_CHARS = 42;

    /**
     * Layered layout: column = causal distance from the alert (consequences one column before it),
     * row = order of discovery. Good enough for traces of tens of nodes without a layout engine.
     */
    static String html(AlertExplanation explanation) {
        CausalTrace trace = explanation.trace();
        Map<String, Integer> column = columns(trace);
        Map<Integer, List<TraceNode>> byColumn = new TreeMap<>();
        for (TraceNode n : trace.nodes().values()) {
            byColumn.computeIfAbsent(column.get(n.eventId()), k -> new ArrayList<>()).add(n);
        }
        Map<String, int[]> position = new HashMap<>();
        int maxRows = 0;
        int x = MARGIN_PX;
        for (List<TraceNode> nodes : byColumn.values()) {
            int y = MARGIN_PX;
            for (TraceNode n : nodes) {
                position.put(n.eventId(), new int[] {x, y});
                y += BOX_HEIGHT_PX + ROW_GAP_PX;
            }
            maxRows = Math.max(maxRows, nodes.size());
            x += BOX_WIDTH_PX + COLUMN_GAP_PX;
        }
        int widthPx = x - COLUMN_GAP_PX + MARGIN_PX;
        int heightPx = MARGIN_PX * 2 + maxRows * (BOX_HEIGHT_PX + ROW_GAP_PX);

        StringBuilder svg = new StringBuilder();
        svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"trace-graph\" width=\"").append(widthPx).append("\" height=\"")
                .append(heightPx).append("\" viewBox=\"0 0 ").append(widthPx).append(' ').append(heightPx).append("\">\n")
                .append("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\""
                        + " orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#555\"/></marker></defs>\n");
        for (TraceEdge e : trace.edges()) {
            int[] from = position.get(e.fromEventId());
            int[] to = position.get(e.toEventId());
            if (from == null || to == null) {
                continue;
            }
            boolean rightwards = to[0] >= from[0];
            int x1 = rightwards ? from[0] + BOX_WIDTH_PX : from[0];
            int x2 = rightwards ? to[0] : to[0] + BOX_WIDTH_PX;
            svg.append("<line class=\"edge ").append(e.kind().name().toLowerCase(Locale.ROOT)).append("\" x1=\"").append(x1)
                    .append("\" y1=\"").append(from[1] + BOX_HEIGHT_PX / 2).append("\" x2=\"").append(x2).append("\" y2=\"")
                    .append(to[1] + BOX_HEIGHT_PX / 2).append("\" stroke=\"#555\" marker-end=\"url(#arrow)\"")
                    .append(e.kind() == TraceEdge.Kind.PROVENANCE ? " stroke-dasharray=\"4 3\"" : "").append("/>\n");
        }
        for (TraceNode n : trace.nodes().values()) {
            int[] p = position.get(n.eventId());
            svg.append("<g class=\"node ").append(n.role().name().toLowerCase(Locale.ROOT)).append("\"><title>")
                    .append(escape(n.eventId() + ": " + n.summary())).append("</title>")
                    .append("<rect x=\"").append(p[0]).append("\" y=\"").append(p[1]).append("\" width=\"").append(BOX_WIDTH_PX)
                    .append("\" height=\"").append(BOX_HEIGHT_PX).append("\" rx=\"6\" fill=\"").append(fill(n.role()))
                    .append("\" stroke=\"#888\"/>")
                    .append("<text x=\"").append(p[0] + 8).append("\" y=\"").append(p[1] + 18).append("\" font-weight=\"bold\">")
                    .append(escape(n.type())).append("</text>")
                    .append("<text x=\"").append(p[0] + 8).append("\" y=\"").append(p[1] + 36).append("\">")
                    .append(escape(abbreviate(n.summary()))).append("</text></g>\n");
        }
        svg.append("</svg>\n");

        StringBuilder page = new StringBuilder();
        page.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
                .append(escape("Alert " + trace.alertId())).append("</title>\n<style>")
                .append("body{font-family:sans-serif;margin:1.5em;color:#222}svg{font-size:11px;font-family:sans-serif}")
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
        page.append("<h2>Causal trace</h2>\n<div class=\"graph\">\n").append(svg).append("</div>\n");
        if (!trace.missingCauseIds().isEmpty()) {
            page.append("<p class=\"missing\">Causes named but not found in the store: ")
                    .append(escape(String.join(", ", trace.missingCauseIds()))).append("</p>\n");
        }
        return page.append("</body></html>\n").toString();
    }

    /** Column of each node: 0 for consequences, 1 for the alert, then one more per "computed from" hop. */
    private static Map<String, Integer> columns(CausalTrace trace) {
        Map<String, List<String>> causes = new HashMap<>();
        for (TraceEdge e : trace.edges()) {
            causes.computeIfAbsent(e.fromEventId(), k -> new ArrayList<>()).add(e.toEventId());
        }
        Map<String, Integer> column = new LinkedHashMap<>();
        Deque<String> queue = new ArrayDeque<>();
        column.put(trace.alertEventId(), 1);
        queue.add(trace.alertEventId());
        while (!queue.isEmpty()) {
            String id = queue.poll();
            for (String cause : causes.getOrDefault(id, List.of())) {
                if (!column.containsKey(cause) && trace.nodes().containsKey(cause)) {
                    column.put(cause, column.get(id) + 1);
                    queue.add(cause);
                }
            }
        }
        int last = column.values().stream().mapToInt(Integer::intValue).max().orElse(1);
        for (TraceNode n : trace.nodes().values()) {
            column.computeIfAbsent(n.eventId(), id -> n.role() == TraceNode.Role.CONSEQUENCE ? 0 : last + 1);
        }
        return column;
    }

    private static String abbreviate(String s) {
        return s.length() <= SUMMARY_CHARS ? s : s.substring(0, SUMMARY_CHARS - 1) + "…";
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
