package io.sightline.cloud.evidence;

import io.sightline.cloud.api.AlertReadModel;
import io.sightline.domain.event.DetectionObserved;
import io.sightline.domain.event.EvidenceClipRecorded;
import io.sightline.domain.event.FrameCaptured;
import io.sightline.domain.evidence.AlertWindow;
import io.sightline.explain.EventLookup;
import io.sightline.explain.StoredEvent;
import io.sightline.explain.trace.CausalTraceEngine;
import io.sightline.explain.trace.TraceNode;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;

/**
 * The read model of {@code evidence_frame} (CloudArchitectureTest keeps it the only reader): the
 * JPEGs by sha256 within a fleet, and the evidence frames of one alert: the frames of its causal window (T−30 s … T+10 s around the
 * AlertRaised, edge time, {@link AlertWindow}) whose JPEG the cloud holds, with the frames that are
 * nodes of the alert's causal trace marked. Fleet-scoped like every investigator read: another
 * fleet's alert is answered as absent.
 */
@Service
public class AlertEvidenceService {

    /** One evidence frame as the API shows it. */
    public record EvidenceFrame(String frameId, long frameIndex, long captureTimeNanos, String sha256, String url, int widthPx,
                                int heightPx, boolean inCausalTrace) {
    }

    /**
     * @param frames ordered by frameIndex: the old form, a JPEG per frame with the boxes drawn (ADR-0008)
     * @param clips  the new form (ADR-0037): the alert window's video, with the boxes to draw over it
     */
    public record AlertEvidence(String alertId, List<EvidenceFrame> frames, List<EvidenceClip> clips) {
    }

    /** One box the detector found on a frame, in the frame's pixels, for the viewer to draw. */
    public record Box(double x1, double y1, double x2, double y2, int classId, String className, double score) {
    }

    /**
     * One frame of a clip: {@code offset} is its 0-based index in the clip's decoded frames
     * ({@code frameIndex − firstFrameIndex}); {@code timeS} the time a player seeks to (the middle of
     * the frame's display interval at the clip's frame rate, so rounding never lands on its neighbour).
     */
    public record ClipFrame(String frameId, long frameIndex, long offset, double timeS, boolean inCausalTrace, List<Box> boxes,
                            int widthPx, int heightPx) {
    }

    /**
     * The still JPEG of the alert's deciding frame kept with the clip (ADR-0041): the camera's
     * pixels, no boxes drawn, at {@code widthPx}×{@code heightPx} (the boxes of that frame are in
     * the frame's own pixels, {@link ClipFrame#widthPx()}).
     */
    public record DecidingStill(String sha256, String url, long frameIndex, int widthPx, int heightPx) {
    }

    /**
     * An alert window's clip (ADR-0037), with the window's frames that have a {@code FrameCaptured}
     * and their boxes; {@code alertFrameIndex} is the deciding frame (the latest frame of the alert's
     * causal trace), which a viewer opens at. A clip encoded at the edge (ADR-0041) may be smaller
     * than the frames ({@code widthPx} against each {@link ClipFrame#widthPx()}): a viewer scales the
     * boxes. {@code decidingStill} is null when the edge kept none (clips before ADR-0041) or the
     * cloud does not hold it.
     */
    public record EvidenceClip(String sha256, String url, String contentType, int widthPx, int heightPx, long firstFrameIndex,
                               int frameCount, double frameRateHz, long alertFrameIndex, List<ClipFrame> frames,
                               DecidingStill decidingStill) {
    }

    private final JdbcTemplate jdbc;
    private final AlertReadModel alerts;
    private final EventLookup events;
    private final CausalTraceEngine traces;

    public AlertEvidenceService(JdbcTemplate jdbc, AlertReadModel alerts, EventLookup events, CausalTraceEngine traces) {
        this.jdbc = jdbc;
        this.alerts = alerts;
        this.events = events;
        this.traces = traces;
    }

    public Optional<AlertEvidence> forAlert(String alertId, String fleetId) {
        if (!alerts.visible(alertId, fleetId)) {
            return Optional.empty();
        }
        Optional<StoredEvent> alert = events.findAlert(alertId);
        if (alert.isEmpty()) {
            return Optional.empty();
        }
        long t = alert.get().occurredAtNanos();
        List<StoredEvent> frames = events.sessionEvents(alert.get().sessionId(), AlertWindow.fromNanos(t), AlertWindow.toNanos(t),
                Set.of(FrameCaptured.class));
        List<EvidenceClip> clips = clips(alertId, alert.get().sessionId(), t, fleetId);
        Map<String, StoredEvent> bySha = new HashMap<>();
        for (StoredEvent e : frames) {
            String sha = ((FrameCaptured) e.payload()).evidenceSha256();
            if (sha != null) {
                bySha.putIfAbsent(sha, e);
            }
        }
        if (bySha.isEmpty()) {
            return Optional.of(new AlertEvidence(alertId, List.of(), clips));
        }
        Map<String, int[]> stored = new HashMap<>();
        jdbc.query("select sha256, width_px, height_px from evidence_frame where sha256 = any(?) and fleet_id = ?",
                (PreparedStatement ps) -> {
                    ps.setArray(1, ps.getConnection().createArrayOf("bpchar", bySha.keySet().toArray()));
                    ps.setString(2, fleetId);
                }, rs -> {
                    stored.put(rs.getString(1), new int[] {rs.getInt(2), rs.getInt(3)});
                });
        Set<String> traced = new HashSet<>();
        for (TraceNode n : traces.trace(alertId).nodesOfType(FrameCaptured.class.getSimpleName())) {
            traced.add(n.eventId());
        }
        List<EvidenceFrame> out = new ArrayList<>(stored.size());
        for (StoredEvent e : frames) {
            FrameCaptured f = (FrameCaptured) e.payload();
            int[] size = f.evidenceSha256() == null ? null : stored.get(f.evidenceSha256());
            if (size != null) {
                out.add(new EvidenceFrame(f.frameId(), f.frameIndex(), f.captureTimeNanos(), f.evidenceSha256(),
                        EvidenceController.PATH + f.evidenceSha256(), size[0], size[1], traced.contains(e.eventId())));
            }
        }
        out.sort(Comparator.comparingLong(EvidenceFrame::frameIndex));
        return Optional.of(new AlertEvidence(alertId, out, clips));
    }

    /**
     * The alerts an evidence clip of the fleet covers: the {@code alertIds} of its {@code EvidenceClipRecorded} in the
     * session that first uploaded the bytes (the session {@code evidence_frame} keeps); empty when the fleet holds no such clip.
     */
    public List<String> alertIdsOfClip(String sha256, String fleetId) {
        List<String> out = new ArrayList<>();
        for (String session : jdbc.queryForList("select session_id from evidence_frame where sha256 = ? and fleet_id = ?", String.class,
                sha256, fleetId)) {
            // The whole session: a clip is journaled when its window closes, stamped by the edge's wall clock (see ReviewedAlertReplays).
            for (StoredEvent e : events.sessionEvents(session, Long.MIN_VALUE, Long.MAX_VALUE, Set.of(EvidenceClipRecorded.class))) {
                EvidenceClipRecorded c = (EvidenceClipRecorded) e.payload();
                if (c.clipSha256().equals(sha256)) {
                    c.alertIds().stream().filter(id -> !out.contains(id)).forEach(out::add);
                }
            }
        }
        return out;
    }

    /** The clips naming the alert that the fleet holds, with every frame of the window and its boxes. */
    private List<EvidenceClip> clips(String alertId, String sessionId, long alertAtNanos, String fleetId) {
        // Journaled when the window closed, after T+10 s (and after the cut's time); its payload says which alerts it covers.
        List<EvidenceClipRecorded> recorded = new ArrayList<>();
        for (StoredEvent e : events.sessionEvents(sessionId, alertAtNanos, Long.MAX_VALUE, Set.of(EvidenceClipRecorded.class))) {
            EvidenceClipRecorded c = (EvidenceClipRecorded) e.payload();
            if (c.alertIds().contains(alertId)) {
                recorded.add(c);
            }
        }
        if (recorded.isEmpty()) {
            return List.of();
        }
        List<EvidenceClip> out = new ArrayList<>();
        List<StoredEvent> window = events.sessionEvents(sessionId, AlertWindow.fromNanos(alertAtNanos), AlertWindow.toNanos(alertAtNanos),
                Set.of(FrameCaptured.class, DetectionObserved.class));
        Map<String, List<Box>> boxes = new HashMap<>();
        for (StoredEvent e : window) {
            if (e.payload() instanceof DetectionObserved d) {
                boxes.computeIfAbsent(d.frameId(), k -> new ArrayList<>()).add(new Box(d.boxPx().x1(), d.boxPx().y1(), d.boxPx().x2(),
                        d.boxPx().y2(), d.classId(), d.className(), d.score()));
            }
        }
        Set<String> traced = new HashSet<>();
        for (TraceNode n : traces.trace(alertId).nodesOfType(FrameCaptured.class.getSimpleName())) {
            traced.add(n.eventId());
        }
        for (EvidenceClipRecorded c : recorded) {
            List<int[]> size = jdbc.query("select width_px, height_px from evidence_frame where sha256 = ? and fleet_id = ?",
                    (rs, i) -> new int[] {rs.getInt(1), rs.getInt(2)}, c.clipSha256(), fleetId);
            if (size.isEmpty()) {
                continue;
            }
            List<ClipFrame> clipFrames = new ArrayList<>();
            long alertFrame = -1;
            for (StoredEvent e : window) {
                if (e.payload() instanceof FrameCaptured f && c.offsetOf(f.frameIndex()) >= 0) {
                    long k = c.offsetOf(f.frameIndex());
                    double fps = c.frameRateHz() > 0 ? c.frameRateHz() : 25.0;
                    boolean inTrace = traced.contains(e.eventId());
                    if (inTrace) {
                        alertFrame = Math.max(alertFrame, f.frameIndex());
                    }
                    clipFrames.add(new ClipFrame(f.frameId(), f.frameIndex(), k, (k + 0.5) / fps, inTrace,
                            boxes.getOrDefault(f.frameId(), List.of()), f.widthPx(), f.heightPx()));
                }
            }
            clipFrames.sort(Comparator.comparingLong(ClipFrame::frameIndex));
            out.add(new EvidenceClip(c.clipSha256(), EvidenceController.PATH + c.clipSha256(), c.contentType(), size.get(0)[0],
                    size.get(0)[1], c.firstFrameIndex(), c.frameCount(), c.frameRateHz(), alertFrame, clipFrames,
                    decidingStill(c.stillOf(alertId), fleetId)));
        }
        return out;
    }

    /** The still the clip names for the alert, when the fleet's store holds it (uploaded with the window). */
    private DecidingStill decidingStill(EvidenceClipRecorded.DecidingStill still, String fleetId) {
        if (still == null) {
            return null;
        }
        Long held = jdbc.queryForObject("select count(*) from evidence_frame where sha256 = ? and fleet_id = ?", Long.class, still.sha256(),
                fleetId);
        return held == null || held == 0 ? null : new DecidingStill(still.sha256(), EvidenceController.PATH + still.sha256(),
                still.frameIndex(), still.widthPx(), still.heightPx());
    }

    /** The JPEG stored under {@code sha256} for the fleet; another fleet's is absent. */
    public Optional<byte[]> jpeg(String sha256, String fleetId) {
        return jdbc.query("select bytes from evidence_frame where sha256 = ? and fleet_id = ?", (rs, i) -> rs.getBytes(1), sha256, fleetId)
                .stream().findFirst();
    }

    /** A stored blob (a JPEG or an MP4 clip) with its content type. */
    public record Blob(byte[] bytes, String contentType) {
    }

    /** The blob stored under {@code sha256} for the fleet, with its content type; another fleet's is absent. */
    public Optional<Blob> blob(String sha256, String fleetId) {
        return jdbc.query("select bytes, content_type from evidence_frame where sha256 = ? and fleet_id = ?",
                (rs, i) -> new Blob(rs.getBytes(1), rs.getString(2)), sha256, fleetId).stream().findFirst();
    }

    /** A stored JPEG with the size its frame header gives. */
    public record StoredJpeg(byte[] bytes, int widthPx, int heightPx) {
    }

    /** The JPEG stored under {@code sha256} for the fleet, with its size; another fleet's is absent. */
    public Optional<StoredJpeg> stored(String sha256, String fleetId) {
        return jdbc.query("select bytes, width_px, height_px from evidence_frame where sha256 = ? and fleet_id = ?",
                (rs, i) -> new StoredJpeg(rs.getBytes(1), rs.getInt(2), rs.getInt(3)), sha256, fleetId).stream().findFirst();
    }

    /** Whether the fleet holds the JPEG, without reading it: answers a conditional GET. */
    public boolean holds(String sha256, String fleetId) {
        Long n = jdbc.queryForObject("select count(*) from evidence_frame where sha256 = ? and fleet_id = ?", Long.class, sha256, fleetId);
        return n != null && n > 0;
    }
}
