package io.sightline.cloud.api;

import io.sightline.explain.trace.CausalTrace;
import io.sightline.explain.trace.TraceEdge;
import io.sightline.explain.trace.TraceNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A causal trace as a standalone SVG drawing, laid out on the server so that the investigator UI
 * needs no graph library and every client (browser, report, e-mail) sees the same picture.
 *
 * <p>Layered top-down layout: the consequences above the alert, then one row per causal depth
 * (longest "computed from" path from the alert, so every cause edge points down), node order in a
 * row by barycentre sweeps against the neighbouring rows to keep edges uncrossed, x by priority
 * placement so a track's chain of updates runs straight down. Provenance (session start, model activation: the configuration a decision was made under) is
 * referenced from many rows, so it gets its own band on the right instead of a row.
 *
 * <p>The output depends only on the trace: no clocks, no hash order, integer coordinates.
 * Every string from an event goes through {@link TraceViews#escape}: summaries and ids come from
 * devices and must not become markup in the investigator's page.
 */
final class TraceSvg {

    static final int NODE_WIDTH_PX = 204;
    static final int NODE_HEIGHT_PX = 62;
    static final int COLUMN_GAP_PX = 20;
    static final int ROW_GAP_PX = 44;
    static final int PROVENANCE_ROW_GAP_PX = 14;
    static final int MARGIN_PX = 16;
    /** Left strip with the row names. */
    static final int GUTTER_PX = 66;
    static final int BAND_GAP_PX = 44;
    /** Summaries get two lines of this font and width in each box. */
    static final int SUMMARY_FONT_PX = 11;
    static final int SUMMARY_WIDTH_PX = NODE_WIDTH_PX - 13 - 8;
    /** Type names longer than this get squeezed into {@link #TYPE_WIDTH_PX}, leaving room for the time. */
    private static final int TYPE_CHARS = 16;
    private static final int TYPE_WIDTH_PX = NODE_WIDTH_PX - 13 - 52;
    /** Barycentre ordering passes, alternating down and up. */
    private static final int SWEEPS = 4;

    private TraceSvg() {
    }

    /** A node's box, top-left corner in px; {@code layer} is 0 for the alert, negative for consequences, MIN_VALUE in the provenance band. */
    record Box(String eventId, int xPx, int yPx, int layer, boolean provenance) {

        boolean overlaps(Box o) {
            return xPx < o.xPx + NODE_WIDTH_PX && o.xPx < xPx + NODE_WIDTH_PX && yPx < o.yPx + NODE_HEIGHT_PX
                    && o.yPx < yPx + NODE_HEIGHT_PX;
        }

        int centreXPx() {
            return xPx + NODE_WIDTH_PX / 2;
        }

        int centreYPx() {
            return yPx + NODE_HEIGHT_PX / 2;
        }
    }

    /**
     * @param boxes        by event id, in the trace's node order
     * @param rowLayers    the main band's layers, top to bottom
     * @param bandXPx      left edge of the provenance band; -1 without provenance nodes
     */
    record Layout(Map<String, Box> boxes, List<Integer> rowLayers, int bandXPx, int widthPx, int heightPx) {
    }

    static Layout layout(CausalTrace trace) {
        Map<String, TraceNode> nodes = trace.nodes();
        List<String> main = new ArrayList<>();
        List<String> provenance = new ArrayList<>();
        for (TraceNode n : nodes.values()) {
            (n.role() == TraceNode.Role.PROVENANCE ? provenance : main).add(n.eventId());
        }
        List<TraceEdge> mainEdges = new ArrayList<>();
        for (TraceEdge e : trace.edges()) {
            if (isMain(nodes, e.fromEventId()) && isMain(nodes, e.toEventId())) {
                mainEdges.add(e);
            }
        }

        Map<String, Integer> layer = layers(trace, main, mainEdges);
        TreeMap<Integer, List<String>> rows = new TreeMap<>();
        for (String id : main) {
            rows.computeIfAbsent(layer.get(id), k -> new ArrayList<>()).add(id);
        }
        Map<String, List<String>> neighbours = new HashMap<>();
        for (TraceEdge e : mainEdges) {
            neighbours.computeIfAbsent(e.fromEventId(), k -> new ArrayList<>()).add(e.toEventId());
            neighbours.computeIfAbsent(e.toEventId(), k -> new ArrayList<>()).add(e.fromEventId());
        }
        List<List<String>> rowList = new ArrayList<>(rows.values());
        order(rowList, layer, neighbours);
        Map<String, Double> x = place(rowList, layer, neighbours);

        Map<String, Box> boxes = new LinkedHashMap<>();
        Map<String, Box> placed = new HashMap<>();
        int row = 0;
        int mainRightPx = GUTTER_PX + MARGIN_PX;
        for (List<String> ids : rowList) {
            int yPx = MARGIN_PX + row * (NODE_HEIGHT_PX + ROW_GAP_PX);
            for (String id : ids) {
                Box b = new Box(id, (int) Math.round(x.get(id)), yPx, layer.get(id), false);
                placed.put(id, b);
                mainRightPx = Math.max(mainRightPx, b.xPx() + NODE_WIDTH_PX);
            }
            row++;
        }
        int mainBottomPx = MARGIN_PX + Math.max(1, rowList.size()) * (NODE_HEIGHT_PX + ROW_GAP_PX) - ROW_GAP_PX;

        int bandXPx = -1;
        int bottomPx = mainBottomPx;
        if (!provenance.isEmpty()) {
            bandXPx = mainRightPx + BAND_GAP_PX / 2;
            int boxXPx = mainRightPx + BAND_GAP_PX;
            // Each provenance node sits level with the mean of the nodes made under it, pushed down to not overlap.
            Map<String, Double> wantedY = new HashMap<>();
            for (String id : provenance) {
                double sum = 0;
                int count = 0;
                for (TraceEdge e : trace.edges()) {
                    Box from = placed.get(e.fromEventId());
                    if (e.toEventId().equals(id) && from != null) {
                        sum += from.yPx();
                        count++;
                    }
                }
                wantedY.put(id, count == 0 ? MARGIN_PX : sum / count);
            }
            List<String> byY = new ArrayList<>(provenance);
            byY.sort(Comparator.comparingDouble(wantedY::get)); // stable: ties keep the trace's order
            int nextFreePx = MARGIN_PX + 18; // below the band's caption
            for (String id : byY) {
                int yPx = Math.max(nextFreePx, (int) Math.round(wantedY.get(id)));
                placed.put(id, new Box(id, boxXPx, yPx, Integer.MIN_VALUE, true));
                nextFreePx = yPx + NODE_HEIGHT_PX + PROVENANCE_ROW_GAP_PX;
            }
            bottomPx = Math.max(bottomPx, nextFreePx - PROVENANCE_ROW_GAP_PX);
            mainRightPx = boxXPx + NODE_WIDTH_PX;
        }
        for (TraceNode n : nodes.values()) {
            boxes.put(n.eventId(), placed.get(n.eventId()));
        }
        return new Layout(boxes, new ArrayList<>(rows.keySet()), bandXPx, mainRightPx + MARGIN_PX, bottomPx + MARGIN_PX);
    }

    private static boolean isMain(Map<String, TraceNode> nodes, String id) {
        TraceNode n = nodes.get(id);
        return n != null && n.role() != TraceNode.Role.PROVENANCE;
    }

    /**
     * Alert 0; a cause one below the deepest node that names it (longest path, so cause edges
     * always point down); a consequence one above what it follows; anything else found by the
     * walk but not connected below everything. Relaxation is bounded by the node count, so a
     * malformed cyclic trace still lays out.
     */
    private static Map<String, Integer> layers(CausalTrace trace, List<String> main, List<TraceEdge> mainEdges) {
        Map<String, Integer> layer = new HashMap<>();
        String alert = trace.alertEventId();
        layer.put(alert, 0);
        for (int i = 0; i < main.size(); i++) {
            boolean changed = false;
            for (TraceEdge e : mainEdges) {
                Integer from = layer.get(e.fromEventId());
                if (from == null || from < 0 || e.toEventId().equals(alert)) {
                    continue;
                }
                Integer to = layer.get(e.toEventId());
                if (to == null || to < from + 1) {
                    layer.put(e.toEventId(), from + 1);
                    changed = true;
                }
            }
            if (!changed) {
                break;
            }
        }
        for (int i = 0; i < main.size(); i++) {
            boolean changed = false;
            for (TraceEdge e : mainEdges) {
                Integer to = layer.get(e.toEventId());
                if (to == null || to > 0 || (layer.containsKey(e.fromEventId()) && layer.get(e.fromEventId()) >= 0)) {
                    continue;
                }
                Integer from = layer.get(e.fromEventId());
                if (from == null || from > to - 1) {
                    layer.put(e.fromEventId(), to - 1);
                    changed = true;
                }
            }
            if (!changed) {
                break;
            }
        }
        int deepest = 0;
        for (int l : layer.values()) {
            deepest = Math.max(deepest, l);
        }
        for (String id : main) {
            if (!layer.containsKey(id)) {
                layer.put(id, trace.nodes().get(id).role() == TraceNode.Role.CONSEQUENCE ? -1 : deepest + 1);
            }
        }
        return layer;
    }

    /** Barycentre sweeps, down then up: each row sorted by the mean index of its neighbours in the row just fixed. */
    private static void order(List<List<String>> rows, Map<String, Integer> layer, Map<String, List<String>> neighbours) {
        Map<String, Integer> index = new HashMap<>();
        for (List<String> row : rows) {
            reindex(row, index);
        }
        for (int sweep = 0; sweep < SWEEPS; sweep++) {
            boolean down = sweep % 2 == 0;
            for (int r = down ? 1 : rows.size() - 2; down ? r < rows.size() : r >= 0; r += down ? 1 : -1) {
                int fixedLayer = layer.get(rows.get(down ? r - 1 : r + 1).get(0));
                List<String> row = rows.get(r);
                Map<String, Double> key = new HashMap<>();
                for (String id : row) {
                    double sum = 0;
                    int count = 0;
                    for (String n : neighbours.getOrDefault(id, List.of())) {
                        if (layer.get(n) == fixedLayer) {
                            sum += index.get(n);
                            count++;
                        }
                    }
                    key.put(id, count == 0 ? index.get(id) : sum / count);
                }
                row.sort(Comparator.comparingDouble(key::get)); // List.sort is stable: ties keep their order
                reindex(row, index);
            }
        }
    }

    private static void reindex(List<String> row, Map<String, Integer> index) {
        for (int i = 0; i < row.size(); i++) {
            index.put(row.get(i), i);
        }
    }

    /**
     * x of each node's left edge, by priority placement: the alert's row first, then each row
     * below from the row above it and each row above from the row below it. In a row, the
     * best-connected node takes the x of its neighbours' mean first and the others fit around it
     * at one pitch or more, so a track's chain of updates runs straight down instead of drifting
     * half a column per hop.
     */
    private static Map<String, Double> place(List<List<String>> rows, Map<String, Integer> layer,
            Map<String, List<String>> neighbours) {
        double pitch = NODE_WIDTH_PX + COLUMN_GAP_PX;
        Map<String, Double> x = new HashMap<>();
        int alertRow = 0;
        for (int r = 0; r < rows.size(); r++) {
            if (layer.get(rows.get(r).get(0)) == 0) {
                alertRow = r;
            }
        }
        List<String> first = rows.get(alertRow);
        for (int i = 0; i < first.size(); i++) {
            x.put(first.get(i), (i - (first.size() - 1) / 2.0) * pitch);
        }
        for (int r = alertRow + 1; r < rows.size(); r++) {
            placeRow(rows.get(r), layer.get(rows.get(r - 1).get(0)), layer, neighbours, x, pitch);
        }
        for (int r = alertRow - 1; r >= 0; r--) {
            placeRow(rows.get(r), layer.get(rows.get(r + 1).get(0)), layer, neighbours, x, pitch);
        }
        double min = Double.MAX_VALUE;
        for (double v : x.values()) {
            min = Math.min(min, v);
        }
        double shift = GUTTER_PX + MARGIN_PX - min;
        x.replaceAll((id, v) -> v + shift);
        return x;
    }

    private static void placeRow(List<String> row, int fixedLayer, Map<String, Integer> layer, Map<String, List<String>> neighbours,
            Map<String, Double> x, double pitch) {
        int n = row.size();
        double[] wanted = new double[n];
        double[] got = new double[n];
        Integer[] byPriority = new Integer[n];
        for (int i = 0; i < n; i++) {
            double sum = 0;
            int count = 0;
            for (String nb : neighbours.getOrDefault(row.get(i), List.of())) {
                if (layer.get(nb) == fixedLayer && x.containsKey(nb)) {
                    sum += x.get(nb);
                    count++;
                }
            }
            // Unconnected nodes start packed after the previous one; they have the lowest priority anyway.
            wanted[i] = count > 0 ? sum / count : (i == 0 ? 0 : wanted[i - 1] + pitch);
            got[i] = Double.NaN;
            byPriority[i] = i;
        }
        // Best connected first; among equals the middle of the row, so siblings spread to both sides of their parent.
        double middle = (n - 1) / 2.0;
        Arrays.sort(byPriority, Comparator.<Integer>comparingInt(i -> -degree(row.get(i), neighbours))
                .thenComparingDouble(i -> Math.abs(i - middle)).thenComparingInt(i -> i));
        for (int i : byPriority) {
            // Bounds from the nodes already placed: every node between needs its own pitch.
            double lo = -Double.MAX_VALUE;
            double hi = Double.MAX_VALUE;
            for (int j = 0; j < n; j++) {
                if (!Double.isNaN(got[j])) {
                    if (j < i) {
                        lo = Math.max(lo, got[j] + (i - j) * pitch);
                    } else if (j > i) {
                        hi = Math.min(hi, got[j] - (j - i) * pitch);
                    }
                }
            }
            got[i] = Math.max(lo, Math.min(hi, wanted[i]));
        }
        for (int i = 1; i < n; i++) {
            // Only a cyclic or malformed trace can leave bounds crossed; spacing still wins.
            got[i] = Math.max(got[i], got[i - 1] + pitch);
        }
        // Equal siblings that all want the same x (an alert's consequences) centre on it when the row leaves room;
        // a better-connected sibling (the next update of a track) keeps its place straight below.
        for (int start = 0; start < n; ) {
            int end = start;
            while (end + 1 < n && wanted[end + 1] == wanted[start] && degree(row.get(end + 1), neighbours) == degree(row.get(start), neighbours)) {
                end++;
            }
            if (end > start) {
                double shift = wanted[start] - (got[start] + got[end]) / 2;
                double lo = start == 0 ? -Double.MAX_VALUE : got[start - 1] + pitch - got[start];
                double hi = end == n - 1 ? Double.MAX_VALUE : got[end + 1] - pitch - got[end];
                shift = Math.max(lo, Math.min(hi, shift));
                for (int i = start; i <= end; i++) {
                    got[i] += shift;
                }
            }
            start = end + 1;
        }
        for (int i = 0; i < n; i++) {
            x.put(row.get(i), got[i]);
        }
    }

    private static int degree(String id, Map<String, List<String>> neighbours) {
        return neighbours.getOrDefault(id, List.of()).size();
    }

    // ---------------------------------------------------------------- drawing

    static String render(CausalTrace trace) {
        Layout layout = layout(trace);
        Map<String, TraceNode> nodes = trace.nodes();
        StringBuilder svg = new StringBuilder(16_384);
        String caption = "Causal trace of alert " + trace.alertId();
        svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"trace-graph\" width=\"").append(layout.widthPx())
                .append("\" height=\"").append(layout.heightPx()).append("\" viewBox=\"0 0 ").append(layout.widthPx()).append(' ')
                .append(layout.heightPx()).append("\" role=\"img\" aria-label=\"").append(TraceViews.escape(caption))
                .append("\" font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif\" font-size=\"11\">\n")
                .append("<title>").append(TraceViews.escape(caption)).append("</title>\n")
                .append("<defs>")
                .append("<marker id=\"trace-arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\""
                        + " orient=\"auto\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#5f6b7a\"/></marker>")
                .append("<marker id=\"trace-arrow-provenance\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\""
                        + " markerHeight=\"7\" orient=\"auto\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#8a96a8\"/></marker>")
                .append("</defs>\n");

        // Row stripes and names, so depth reads at a glance.
        svg.append("<g class=\"rows\">");
        List<Integer> rowLayers = layout.rowLayers();
        int mainRightPx = layout.bandXPx() < 0 ? layout.widthPx() - MARGIN_PX : layout.bandXPx() - BAND_GAP_PX / 4;
        for (int r = 0; r < rowLayers.size(); r++) {
            int yPx = MARGIN_PX + r * (NODE_HEIGHT_PX + ROW_GAP_PX);
            int l = rowLayers.get(r);
            if (l == 0 || r % 2 == 0) {
                svg.append("<rect x=\"").append(MARGIN_PX / 2).append("\" y=\"").append(yPx - ROW_GAP_PX / 4).append("\" width=\"")
                        .append(mainRightPx - MARGIN_PX / 2).append("\" height=\"").append(NODE_HEIGHT_PX + ROW_GAP_PX / 2)
                        .append("\" rx=\"6\" fill=\"").append(l == 0 ? "#fdf1f0" : "#f7f8fa").append("\"/>");
            }
            svg.append("<text x=\"").append(MARGIN_PX).append("\" y=\"").append(yPx + NODE_HEIGHT_PX / 2 + 4)
                    .append("\" fill=\"#6b7785\" font-size=\"10.5\" letter-spacing=\"0.04em\">").append(rowName(l)).append("</text>");
        }
        if (layout.bandXPx() >= 0) {
            svg.append("<rect class=\"provenance-band\" x=\"").append(layout.bandXPx()).append("\" y=\"").append(MARGIN_PX / 2)
                    .append("\" width=\"").append(layout.widthPx() - layout.bandXPx() - MARGIN_PX / 2).append("\" height=\"")
                    .append(layout.heightPx() - MARGIN_PX).append("\" rx=\"6\" fill=\"#eef2f6\" stroke=\"#d5dde6\" stroke-dasharray=\"4 3\"/>")
                    .append("<text x=\"").append(layout.bandXPx() + 10).append("\" y=\"").append(MARGIN_PX + 8)
                    .append("\" fill=\"#6b7785\" font-size=\"10.5\" letter-spacing=\"0.04em\">PROVENANCE</text>");
        }
        svg.append("</g>\n<g class=\"edges\" fill=\"none\">\n");
        for (TraceEdge e : trace.edges()) {
            Box from = layout.boxes().get(e.fromEventId());
            Box to = layout.boxes().get(e.toEventId());
            if (from == null || to == null) {
                continue;
            }
            boolean provenanceEdge = to.provenance() || from.provenance();
            svg.append("<path class=\"edge ").append(e.kind().name().toLowerCase(Locale.ROOT)).append("\" data-from=\"")
                    .append(TraceViews.escape(e.fromEventId())).append("\" data-to=\"").append(TraceViews.escape(e.toEventId()))
                    .append("\" d=\"").append(path(from, to)).append("\" stroke=\"").append(provenanceEdge ? "#8a96a8" : "#5f6b7a")
                    .append("\" stroke-width=\"1.3\"")
                    .append(e.kind() == TraceEdge.Kind.PROVENANCE ? " stroke-dasharray=\"5 4\"" : "")
                    .append(" marker-end=\"url(#").append(provenanceEdge ? "trace-arrow-provenance" : "trace-arrow").append(")\"/>\n");
        }
        svg.append("</g>\n<g class=\"nodes\">\n");
        for (TraceNode n : nodes.values()) {
            Box b = layout.boxes().get(n.eventId());
            String[] colour = colour(n.type());
            boolean history = n.role() == TraceNode.Role.TRACK_HISTORY;
            svg.append("<g class=\"node role-").append(n.role().name().toLowerCase(Locale.ROOT).replace('_', '-'))
                    .append("\" data-testid=\"trace-node\" data-event-id=\"").append(TraceViews.escape(n.eventId()))
                    .append("\" data-type=\"").append(TraceViews.escape(n.type())).append("\"><title>")
                    .append(TraceViews.escape(n.type() + " " + n.eventId() + "\n" + n.summary())).append("</title>")
                    .append("<rect x=\"").append(b.xPx()).append("\" y=\"").append(b.yPx()).append("\" width=\"").append(NODE_WIDTH_PX)
                    .append("\" height=\"").append(NODE_HEIGHT_PX).append("\" rx=\"7\" fill=\"").append(history ? "#fbfcfd" : colour[0])
                    .append("\" stroke=\"").append(colour[1]).append("\" stroke-width=\"")
                    .append(n.role() == TraceNode.Role.ALERT ? "2.2" : "1.1").append('"')
                    .append(history ? " stroke-dasharray=\"4 2\"" : "").append("/>")
                    .append("<rect x=\"").append(b.xPx()).append("\" y=\"").append(b.yPx()).append("\" width=\"5\" height=\"")
                    .append(NODE_HEIGHT_PX).append("\" rx=\"2\" fill=\"").append(colour[1]).append("\"/>")
                    .append("<text x=\"").append(b.xPx() + 13).append("\" y=\"").append(b.yPx() + 19)
                    .append("\" font-weight=\"600\" font-size=\"12\" fill=\"#1f2933\"")
                    // Long type names are squeezed rather than run into the time on their right.
                    .append(n.type().length() > TYPE_CHARS ? " textLength=\"" + TYPE_WIDTH_PX + "\" lengthAdjust=\"spacingAndGlyphs\"" : "")
                    .append('>').append(TraceViews.escape(n.type())).append("</text>");
            if (!Double.isNaN(n.sessionTimeS()) && onSessionClock(n.type())) {
                svg.append("<text x=\"").append(b.xPx() + NODE_WIDTH_PX - 8).append("\" y=\"").append(b.yPx() + 19)
                        .append("\" text-anchor=\"end\" fill=\"#6b7785\" font-size=\"10.5\">")
                        .append(String.format(Locale.ROOT, "%.1f s", n.sessionTimeS())).append("</text>");
            }
            String[] lines = wrap(n.summary());
            for (int i = 0; i < lines.length; i++) {
                svg.append("<text x=\"").append(b.xPx() + 13).append("\" y=\"").append(b.yPx() + 36 + i * 15)
                        .append("\" fill=\"#3e4c59\">").append(TraceViews.escape(lines[i])).append("</text>");
            }
            svg.append("</g>\n");
        }
        return svg.append("</g>\n</svg>\n").toString();
    }

    /** Investigators' events carry the cloud's clock: their "time into the session" would be months, not seconds. */
    private static boolean onSessionClock(String type) {
        return !type.equals("AlertReviewed") && !type.equals("MissedEventReported");
    }

    private static String rowName(int layer) {
        if (layer == 0) {
            return "ALERT";
        }
        return layer < 0 ? (layer == -1 ? "AFTER" : "AFTER " + -layer) : "CAUSE " + layer;
    }

    /** Cause edges leave the bottom of the effect and enter the top of the cause; provenance edges run sideways into the band. */
    private static String path(Box from, Box to) {
        int x1;
        int y1;
        int x2;
        int y2;
        String c;
        if (to.provenance() || from.provenance()) {
            boolean rightwards = to.xPx() > from.xPx();
            x1 = rightwards ? from.xPx() + NODE_WIDTH_PX : from.xPx();
            y1 = from.centreYPx();
            x2 = rightwards ? to.xPx() : to.xPx() + NODE_WIDTH_PX;
            y2 = to.centreYPx();
            int bend = Math.max(30, Math.abs(x2 - x1) / 2) * (rightwards ? 1 : -1);
            c = " C " + (x1 + bend) + " " + y1 + " " + (x2 - bend) + " " + y2 + " ";
        } else if (to.yPx() > from.yPx()) {
            x1 = from.centreXPx();
            y1 = from.yPx() + NODE_HEIGHT_PX;
            x2 = to.centreXPx();
            y2 = to.yPx();
            int bend = (y2 - y1) / 2;
            c = " C " + x1 + " " + (y1 + bend) + " " + x2 + " " + (y2 - bend) + " ";
        } else if (to.yPx() < from.yPx()) {
            x1 = from.centreXPx();
            y1 = from.yPx();
            x2 = to.centreXPx();
            y2 = to.yPx() + NODE_HEIGHT_PX;
            int bend = (y1 - y2) / 2;
            c = " C " + x1 + " " + (y1 - bend) + " " + x2 + " " + (y2 + bend) + " ";
        } else {
            // Same row (only in malformed traces): an arc over the row.
            x1 = from.centreXPx();
            y1 = from.yPx();
            x2 = to.centreXPx();
            y2 = to.yPx();
            int lift = Math.min(ROW_GAP_PX - 6, 18 + Math.abs(x2 - x1) / 8);
            c = " C " + x1 + " " + (y1 - lift) + " " + x2 + " " + (y2 - lift) + " ";
        }
        return "M " + x1 + " " + y1 + c + x2 + " " + y2;
    }

    /** Fill and stroke by event type: one hue per pipeline stage. */
    private static String[] colour(String type) {
        return switch (type) {
            case "AlertRaised" -> new String[] {"#fde4e2", "#c62828"};
            case "RiskAssessed" -> new String[] {"#ffead5", "#d9480f"};
            case "TrackStarted", "TrackUpdated", "TrackLost" -> new String[] {"#e0ebff", "#1d4ed8"};
            case "DetectionObserved" -> new String[] {"#eee8ff", "#6d28d9"};
            case "FrameCaptured", "FramesDropped" -> new String[] {"#dff3f1", "#00796b"};
            case "VehicleStateSampled" -> new String[] {"#e6f4e7", "#2e7d32"};
            case "DriveSessionStarted", "DriveSessionEnded", "ModelActivated", "ModelRejected" -> new String[] {"#e9eef3", "#455a64"};
            case "ActuationCommanded" -> new String[] {"#fff5d6", "#b7791f"};
            case "AlertCleared" -> new String[] {"#e3f4e8", "#1e7b34"};
            case "AlertReviewed", "MissedEventReported" -> new String[] {"#f5e6f8", "#8e24aa"};
            case "AlertSuppressed" -> new String[] {"#fde6ef", "#ad1457"};
            default -> new String[] {"#f1f3f5", "#495057"};
        };
    }

    /**
     * Up to two lines that fit the box, broken at spaces where there are any; the full text stays
     * in the node's tooltip. Widths are estimated (the client picks the font), so the estimate
     * errs wide: DejaVu Sans, the widest of the usual sans fonts.
     */
    static String[] wrap(String s) {
        if (s == null || s.isEmpty()) {
            return new String[0];
        }
        if (textWidthPx(s) <= SUMMARY_WIDTH_PX) {
            return new String[] {s};
        }
        int fit = fitting(s, 0, SUMMARY_WIDTH_PX);
        int cut = s.lastIndexOf(' ', fit);
        if (cut <= 0) {
            cut = fit;
        }
        String rest = s.substring(cut).strip();
        if (textWidthPx(rest) > SUMMARY_WIDTH_PX) {
            rest = rest.substring(0, fitting(rest, 0, SUMMARY_WIDTH_PX - textWidthPx("…"))).stripTrailing() + "…";
        }
        return new String[] {s.substring(0, cut).strip(), rest};
    }

    /** How many characters of {@code s} from {@code from} fit in {@code widthPx}. */
    private static int fitting(String s, int from, double widthPx) {
        double used = 0;
        int i = from;
        while (i < s.length() && used + charWidthPx(s.charAt(i)) <= widthPx) {
            used += charWidthPx(s.charAt(i));
            i++;
        }
        return Math.max(from + 1, i);
    }

    static double textWidthPx(String s) {
        double w = 0;
        for (int i = 0; i < s.length(); i++) {
            w += charWidthPx(s.charAt(i));
        }
        return w;
    }

    /** Advance of one character at the summary's font size, from DejaVu Sans' metrics rounded up by class. */
    private static double charWidthPx(char c) {
        double em;
        if ("iljI.,:;'|! ".indexOf(c) >= 0) {
            em = 0.32;
        } else if ("ftr()[]-/".indexOf(c) >= 0) {
            em = 0.42;
        } else if ("mwMW@%&…×²".indexOf(c) >= 0) {
            em = 1.0;
        } else if (c >= 'A' && c <= 'Z') {
            em = 0.70;
        } else if (c >= '0' && c <= '9') {
            em = 0.64;
        } else if (c >= 'a' && c <= 'z') {
            em = 0.60;
        } else {
            em = 0.62;
        }
        return em * SUMMARY_FONT_PX;
    }
}
