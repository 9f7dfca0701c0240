package io.sightline.cloud.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.domain.event.EventEnvelope;
import io.sightline.explain.InMemoryEventLookup;
import io.sightline.explain.StoredEvent;
import io.sightline.explain.sample.SyntheticDrive;
import io.sightline.explain.trace.CausalTrace;
import io.sightline.explain.trace.CausalTraceEngine;
import io.sightline.explain.trace.TraceEdge;
import io.sightline.explain.trace.TraceNode;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.NodeList;

/** The server-side layout of a causal trace, on traces the real engine builds from a synthetic drive. */
class TraceSvgTest {

    static final long T0 = 1_764_000_000_000_000_000L;

    /** Approach 1 raises alert/1 (8 frames); approach 2 raises alert/2 and is cleared and reviewed. */
    static CausalTrace trace(String sessionId, String alert) {
        SyntheticDrive drive = new SyntheticDrive(sessionId, T0).start("fleet-a", "veh-1", "v1", SyntheticDrive.POLICY_V1);
        drive.approach(10.0, 8, 10, 22.0, 9.0, 0.0, 22.4, 2, "TRUE_POSITIVE");
        drive.approach(30.0, 10, 10, 15.0, 9.0, 0.0, 22.4, 0.6, 2, "FALSE_POSITIVE");
        List<StoredEvent> stored = new ArrayList<>();
        for (EventEnvelope e : drive.events()) {
            stored.add(new StoredEvent(e.eventId(), sessionId, e.sequence(), -1, e.occurredAtNanos(), e.payload()));
        }
        return new CausalTraceEngine(new InMemoryEventLookup(stored)).trace(sessionId + "/" + alert);
    }

    static Document parse(String svg) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        // A well-formed document without any DTD: the renderer never emits one.
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return factory.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    static List<Element> elements(Document doc, String name) {
        NodeList list = doc.getElementsByTagNameNS("http://www.w3.org/2000/svg", name);
        List<Element> out = new ArrayList<>();
        for (int i = 0; i < list.getLength(); i++) {
            out.add((Element) list.item(i));
        }
        return out;
    }

    @Test
    void noTwoNodesOverlapAndEveryNodeIsInsideTheDrawing() {
        for (String alert : List.of("alert/1", "alert/2")) {
            CausalTrace trace = trace("s1", alert);
            TraceSvg.Layout layout = TraceSvg.layout(trace);
            assertThat(layout.boxes().keySet()).containsExactlyElementsOf(trace.nodes().keySet());
            List<TraceSvg.Box> boxes = new ArrayList<>(layout.boxes().values());
            for (int i = 0; i < boxes.size(); i++) {
                TraceSvg.Box a = boxes.get(i);
                assertThat(a.xPx()).isGreaterThanOrEqualTo(0);
                assertThat(a.yPx()).isGreaterThanOrEqualTo(0);
                assertThat(a.xPx() + TraceSvg.NODE_WIDTH_PX).isLessThanOrEqualTo(layout.widthPx());
                assertThat(a.yPx() + TraceSvg.NODE_HEIGHT_PX).isLessThanOrEqualTo(layout.heightPx());
                for (int j = i + 1; j < boxes.size(); j++) {
                    assertThat(a.overlaps(boxes.get(j))).as(alert + ": " + a + " overlaps " + boxes.get(j)).isFalse();
                }
            }
        }
    }

    @Test
    void causesSitBelowWhatTheyCausedConsequencesAboveAndProvenanceInItsBand() {
        CausalTrace trace = trace("s1", "alert/2");
        TraceSvg.Layout layout = TraceSvg.layout(trace);
        Map<String, TraceSvg.Box> boxes = layout.boxes();
        TraceSvg.Box alert = boxes.get(trace.alertEventId());
        assertThat(alert.layer()).isZero();
        for (TraceEdge e : trace.edges()) {
            TraceSvg.Box from = boxes.get(e.fromEventId());
            TraceSvg.Box to = boxes.get(e.toEventId());
            if (e.kind() == TraceEdge.Kind.CAUSE) {
                assertThat(to.yPx()).as("cause edge " + e + " points down").isGreaterThan(from.yPx());
            } else {
                assertThat(to.provenance()).as(e.toString()).isTrue();
                assertThat(to.xPx()).as("provenance band right of " + e.fromEventId()).isGreaterThan(from.xPx() + TraceSvg.NODE_WIDTH_PX);
            }
        }
        for (TraceNode n : trace.nodes().values()) {
            TraceSvg.Box b = boxes.get(n.eventId());
            switch (n.role()) {
                case CONSEQUENCE -> assertThat(b.yPx()).as(n.eventId()).isLessThan(alert.yPx());
                case PROVENANCE -> assertThat(b.provenance()).as(n.eventId()).isTrue();
                case CAUSE, TRACK_HISTORY -> assertThat(b.yPx()).as(n.eventId()).isGreaterThan(alert.yPx());
                case ALERT -> assertThat(b).isSameAs(alert);
            }
        }
        // The deciding track's history is a chain of updates, each one row deeper than the next newer one.
        assertThat(boxes.get("s1/f10/trk-2").layer()).isEqualTo(boxes.get("s1/f11/trk-2").layer() + 1);
        assertThat(layout.rowLayers()).startsWith(-1, 0, 1, 2);
    }

    @Test
    void everyNodeAndEveryEdgeIsDrawnOnce() throws Exception {
        CausalTrace trace = trace("s1", "alert/2");
        Document doc = parse(TraceSvg.render(trace));
        Map<String, Element> nodes = new LinkedHashMap<>();
        for (Element g : elements(doc, "g")) {
            if (g.getAttribute("data-testid").equals("trace-node")) {
                assertThat(nodes.put(g.getAttribute("data-event-id"), g)).as("drawn twice").isNull();
            }
        }
        assertThat(nodes.keySet()).containsExactlyElementsOf(trace.nodes().keySet());
        Set<String> drawn = new HashSet<>();
        for (Element path : elements(doc, "path")) {
            if (path.getAttribute("class").startsWith("edge ")) {
                assertThat(path.getAttribute("d")).matches("M -?\\d+ -?\\d+ C( -?\\d+){6}");
                assertThat(drawn.add(path.getAttribute("data-from") + " -> " + path.getAttribute("data-to") + " "
                        + path.getAttribute("class"))).isTrue();
            }
        }
        Set<String> expected = new HashSet<>();
        for (TraceEdge e : trace.edges()) {
            expected.add(e.fromEventId() + " -> " + e.toEventId() + " edge " + e.kind().name().toLowerCase());
        }
        assertThat(drawn).isEqualTo(expected).hasSize(trace.edges().size());
    }

    @Test
    void nodesShowTheirTypeTimeAndSummaryButReviewsNoSessionTime() throws Exception {
        Document doc = parse(TraceSvg.render(trace("s1", "alert/2")));
        Map<String, List<String>> texts = new LinkedHashMap<>();
        for (Element g : elements(doc, "g")) {
            if (g.getAttribute("data-testid").equals("trace-node")) {
                List<String> lines = new ArrayList<>();
                NodeList t = g.getElementsByTagNameNS("http://www.w3.org/2000/svg", "text");
                for (int i = 0; i < t.getLength(); i++) {
                    lines.add(t.item(i).getTextContent());
                }
                texts.put(g.getAttribute("data-event-id"), lines);
            }
        }
        // Type, time into the session, then the summary over at most two lines.
        assertThat(texts.get("s1/alert/2")).startsWith("AlertRaised", "30.3 s", "FORWARD_COLLISION WARNING").hasSize(4);
        assertThat(String.join(" ", texts.get("s1/alert/2").subList(2, 4))).isEqualTo("FORWARD_COLLISION WARNING on trk-2 (policy v1)");
        // An investigator's review is on the cloud clock: a "time into the session" would be meaningless.
        assertThat(texts.get("s1/alert/2/review")).first().isEqualTo("AlertReviewed");
        assertThat(texts.get("s1/alert/2/review")).noneMatch(l -> l.matches("-?[0-9.]+ s"));
        String[] long80 = TraceSvg.wrap("X".repeat(80));
        assertThat(long80).hasSize(2).allMatch(l -> TraceSvg.textWidthPx(l) <= TraceSvg.SUMMARY_WIDTH_PX);
        assertThat(long80[1]).endsWith("…");
        assertThat(TraceSvg.wrap("short")).containsExactly("short");
    }

    @Test
    void outputIsDeterministic() {
        String first = TraceSvg.render(trace("s1", "alert/2"));
        assertThat(TraceSvg.render(trace("s1", "alert/2"))).isEqualTo(first);
        assertThat(first).startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"trace-graph\"");
    }

    /** The session id is device input: it lands in every event id, in summaries and in the caption. */
    @Test
    void markupInEventTextStaysText() throws Exception {
        String hostile = "s\"><script>alert(1)</script><img src=x onerror=alert(2)>&amp;'";
        CausalTrace trace = trace(hostile, "alert/2");
        String svg = TraceSvg.render(trace);
        Document doc = parse(svg);
        assertThat(elements(doc, "script")).isEmpty();
        assertThat(doc.getElementsByTagName("script").getLength()).isZero();
        assertThat(doc.getElementsByTagName("img").getLength()).isZero();
        for (String name : List.of("svg", "g", "rect", "text", "path", "title", "marker", "defs")) {
            for (Element e : elements(doc, name)) {
                NamedNodeMap attributes = e.getAttributes();
                for (int i = 0; i < attributes.getLength(); i++) {
                    assertThat(attributes.item(i).getNodeName()).as("event handler attribute").doesNotStartWith("on");
                }
            }
        }
        // The text survives intact as text: the node's id attribute round-trips to the real id.
        Set<String> ids = new HashSet<>();
        for (Element g : elements(doc, "g")) {
            if (g.hasAttribute("data-event-id")) {
                ids.add(g.getAttribute("data-event-id"));
            }
        }
        assertThat(ids).isEqualTo(trace.nodes().keySet());
        assertThat(doc.getDocumentElement().getAttribute("aria-label")).isEqualTo("Causal trace of alert " + hostile + "/alert/2");
    }
}
