package io.sightline.cloud.monitoring.drift;

import io.sightline.cloud.projection.SessionsProjection;
import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.event.DetectionObserved;
import io.sightline.domain.event.DriveSessionEnded;
import io.sightline.domain.event.DriveSessionStarted;
import io.sightline.domain.event.EdgeWindowSummarized;
import io.sightline.domain.event.FrameCaptured;
import io.sightline.domain.event.ModelActivated;
import io.sightline.domain.event.SightlineEvent;
import io.sightline.domain.event.TrackLost;
import io.sightline.domain.event.TrackStarted;
import io.sightline.domain.event.VehicleStateSampled;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns one session's events, in stream order, into its {@link SessionSample}. Pure: the cloud
 * monitor feeds it from the event store, the tests from an edge journal.
 *
 * <p>Detections count only when the session's primary model made them: frames on the fallback
 * model are another model's perception, and would read as drift of this one.
 */
public final class SessionFeatureExtractor {

    private static final String PRIMARY = "primary";

    private final int maxValues;
    private String sessionId;
    private String fleetId;
    private String vehicleId;
    private String modelSha256;
    private long startedAtNanos;
    private long endedAtNanos;
    private long firstCaptureNanos = Long.MIN_VALUE;
    private long lastCaptureNanos;
    private final Map<String, long[]> frames = new HashMap<>();
    private final Map<String, Long> trackStartFrame = new HashMap<>();
    private final Map<DriftFeature, DoubleList> numeric = new EnumMap<>(DriftFeature.class);
    private final Map<DriftFeature, Map<String, Long>> categorical = new EnumMap<>(DriftFeature.class);
    private final List<String> summaryEventIds = new ArrayList<>();
    private long alerts;
    private long drivingNanos;
    private long lastSampleNanos = Long.MIN_VALUE;
    private double lastSpeedMps;

    public SessionFeatureExtractor(int maxValuesPerFeature) {
        this.maxValues = maxValuesPerFeature;
    }

    public void accept(String eventId, SightlineEvent event) {
        if (event instanceof DriveSessionStarted s) {
            sessionId = s.sessionId();
            fleetId = s.fleetId();
            vehicleId = s.vehicleId();
            startedAtNanos = s.startTimeNanos();
        } else if (event instanceof DriveSessionEnded e) {
            endedAtNanos = e.endTimeNanos();
        } else if (event instanceof ModelActivated m) {
            if (PRIMARY.equals(m.role())) {
                modelSha256 = m.modelSha256();
            }
        } else if (event instanceof FrameCaptured f) {
            frames.put(f.frameId(), new long[] {f.frameIndex(), f.widthPx(), f.heightPx()});
            if (firstCaptureNanos == Long.MIN_VALUE) {
                firstCaptureNanos = f.captureTimeNanos();
            }
            lastCaptureNanos = f.captureTimeNanos();
        } else if (event instanceof DetectionObserved d) {
            detection(d);
        } else if (event instanceof TrackStarted t) {
            long[] f = frames.get(t.frameId());
            if (f != null) {
                trackStartFrame.put(t.trackId(), f[0]);
            }
        } else if (event instanceof TrackLost t) {
            Long start = trackStartFrame.remove(t.trackId());
            long[] f = frames.get(t.lastFrameId());
            if (start != null && f != null) {
                add(DriftFeature.TRACK_LENGTH_FRAMES, f[0] - start + 1);
            }
        } else if (event instanceof AlertRaised) {
            alerts++;
        } else if (event instanceof VehicleStateSampled v) {
            if (Double.isFinite(v.egoSpeedMps()) && v.egoSpeedMps() >= 0) {
                if (lastSampleNanos != Long.MIN_VALUE) {
                    drivingNanos += SessionsProjection.intervalDrivingNanos(v.sampleTimeNanos() - lastSampleNanos, lastSpeedMps, v.egoSpeedMps());
                }
                lastSampleNanos = v.sampleTimeNanos();
                lastSpeedMps = v.egoSpeedMps();
            }
        } else if (event instanceof EdgeWindowSummarized w) {
            summary(eventId, w);
        }
    }

    private void detection(DetectionObserved d) {
        if (modelSha256 != null && !modelSha256.equals(d.modelSha256())) {
            return;
        }
        count(DriftFeature.DETECTION_CLASS, d.className(), 1);
        add(DriftFeature.DETECTION_SCORE, d.score());
        long[] f = frames.get(d.frameId());
        if (f != null && f[1] > 0 && f[2] > 0) {
            add(DriftFeature.DETECTION_BOX_AREA_FRACTION, d.boxPx().widthPx() * d.boxPx().heightPx() / ((double) f[1] * f[2]));
            add(DriftFeature.DETECTION_BOX_BOTTOM_ROW_FRACTION, d.boxPx().y2() / f[2]);
        }
    }

    private void summary(String eventId, EdgeWindowSummarized w) {
        summaryEventIds.add(eventId);
        if (w.frames() <= 0) {
            return;
        }
        if (w.image() != null && w.image().framesMeasured() > 0) {
            add(DriftFeature.SUMMARY_MEAN_LUMA, w.image().meanLuma());
            add(DriftFeature.SUMMARY_LUMA_STD_DEV, w.image().lumaStdDev());
            add(DriftFeature.SUMMARY_RMS_CONTRAST, w.image().rmsContrast());
            add(DriftFeature.SUMMARY_LAPLACIAN_VARIANCE, w.image().laplacianVariance());
        }
        add(DriftFeature.SUMMARY_DETECTIONS_PER_FRAME, w.detectionsPerFrame());
        add(DriftFeature.SUMMARY_NO_DETECTION_SHARE, (double) w.framesWithoutDetections() / w.frames());
        for (EdgeWindowSummarized.ClassScores c : w.classScores()) {
            count(DriftFeature.SUMMARY_CLASS, c.className(), c.detections());
        }
        List<Long> bins = w.boxAreaFractionBinCounts();
        for (int i = 0; i < bins.size(); i++) {
            count(DriftFeature.SUMMARY_BOX_AREA_BIN, boxAreaBinLabel(i), bins.get(i));
        }
    }

    /** The label of box-area bin {@code i}: its lower edge as a share of the frame, so the labels sort as the bins do. */
    static String boxAreaBinLabel(int i) {
        List<Double> edges = EdgeWindowSummarized.BOX_AREA_FRACTION_EDGES;
        return i == 0 ? "<" + edges.get(0) : ">=" + edges.get(Math.min(i, edges.size()) - 1);
    }

    private void add(DriftFeature f, double v) {
        if (Double.isFinite(v)) {
            numeric.computeIfAbsent(f, k -> new DoubleList()).add(v);
        }
    }

    private void count(DriftFeature f, String key, long n) {
        if (n > 0 && key != null) {
            categorical.computeIfAbsent(f, k -> new TreeMap<>()).merge(key, n, Long::sum);
        }
    }

    public SessionSample finish() {
        if (sessionId == null) {
            throw new IllegalStateException("the session's events hold no DriveSessionStarted");
        }
        long drivingOrSpan = drivingNanos > 0 ? drivingNanos : Math.max(0, lastCaptureNanos - firstCaptureNanos);
        if (drivingOrSpan > 0) {
            add(DriftFeature.SESSION_ALERTS_PER_DRIVING_HOUR, alerts / (drivingOrSpan / 3.6e12));
        }
        Map<String, double[]> values = new TreeMap<>();
        numeric.forEach((f, list) -> values.put(f.id(), list.evenlySpaced(maxValues)));
        Map<String, Map<String, Long>> counts = new TreeMap<>();
        categorical.forEach((f, c) -> counts.put(f.id(), Map.copyOf(c)));
        long end = endedAtNanos > 0 ? endedAtNanos : startedAtNanos;
        return new SessionSample(sessionId, fleetId, vehicleId, modelSha256, startedAtNanos, end, values, counts, summaryEventIds);
    }

    /** A growable primitive list: a session holds tens of thousands of detections. */
    private static final class DoubleList {
        private double[] a = new double[64];
        private int n;

        void add(double v) {
            if (n == a.length) {
                a = java.util.Arrays.copyOf(a, n * 2);
            }
            a[n++] = v;
        }

        /** At most {@code max} values, evenly spaced in stream order, so a long session does not outweigh the others by its length alone. */
        double[] evenlySpaced(int max) {
            if (n <= max) {
                return java.util.Arrays.copyOf(a, n);
            }
            double[] out = new double[max];
            for (int i = 0; i < max; i++) {
                out[i] = a[(int) ((long) i * n / max)];
            }
            return out;
        }
    }
}
