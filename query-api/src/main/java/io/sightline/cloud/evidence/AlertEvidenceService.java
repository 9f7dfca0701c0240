package io.sightline.cloud.evidence;

import io.sightline.cloud.api.AlertReadModel;
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

    /** @param frames ordered by frameIndex */
    public record AlertEvidence(String alertId, List<EvidenceFrame> frames) {
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
        Map<String, StoredEvent> bySha = new HashMap<>();
        for (StoredEvent e : frames) {
            String sha = ((FrameCaptured) e.payload()).evidenceSha256();
            if (sha != null) {
                bySha.putIfAbsent(sha, e);
            }
        }
        if (bySha.isEmpty()) {
            return Optional.of(new AlertEvidence(alertId, List.of()));
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
        return Optional.of(new AlertEvidence(alertId, out));
    }

    /** The JPEG stored under {@code sha256} for the fleet; another fleet's is absent. */
    public Optional<byte[]> jpeg(String sha256, String fleetId) {
        return jdbc.query("select bytes from evidence_frame where sha256 = ? and fleet_id = ?", (rs, i) -> rs.getBytes(1), sha256, fleetId)
                .stream().findFirst();
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
