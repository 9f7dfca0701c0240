package io.sightline.runtime;

import io.sightline.domain.event.DetectionObserved;
import io.sightline.domain.event.EdgeWindowSummarized;
import io.sightline.domain.event.EventIds;
import io.sightline.domain.event.FrameCaptured;
import io.sightline.inference.Clocks;
import io.sightline.inference.ProducedEvent;
import io.sightline.inference.StageStats;
import io.sightline.runtime.Handover.Decided;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * Folds each journaled frame into the current window and, when a frame falls past the window,
 * closes it as an {@link EdgeWindowSummarized} to journal before that frame. Runs on the journal
 * thread alone; the stage latencies come from the stages' own threads through
 * {@link StageStats#intervalHistogram}, so the latencies of a window are those recorded between
 * two closings: a frame or two in flight at a boundary count towards the next window.
 *
 * <p>Per frame it only adds to primitive counters and arrays allocated once; the one allocation per
 * new class name (its score bins) happens the first time the class is seen in the session.
 */
final class WindowSummarizer {

    /** The stages a summary reports, in this order; those the run does not record are left out. */
    static final List<String> STAGES = List.of(StageBudgets.DECODE, StageStats.INFERENCE, StageBudgets.DETECT, StageBudgets.DECIDE,
            StageBudgets.JOURNAL, StageBudgets.FRAME_TO_DECISION);

    private final String sessionId;
    private final String modelSha256;
    private final String modelActivatedId;
    private final StageStats stats;
    private final long windowNanos;
    private final Histogram[] recycled = new Histogram[STAGES.size()];
    private final double[] areaEdges;

    private int windowIndex;
    private long frames;
    private long firstFrameIndex;
    private long lastFrameIndex;
    private long startNanos;
    private long endNanos;
    private long framesWithoutDetections;
    private long framesOnFallback;
    private long detections;
    private long imageFrames;
    private double sumMeanLuma;
    private double sumLumaStdDev;
    private double sumLaplacianVariance;
    /** Per class: SCORE_BINS counts, then the total. Kept across windows; reset in place. */
    private final Map<String, long[]> classBins = new TreeMap<>();
    private final long[] areaBins;

    /**
     * @param stats       the run's stage statistics, with intervals ({@link StageStats#withIntervals()})
     * @param windowNanos session-clock length of a window
     */
    WindowSummarizer(String sessionId, String modelSha256, String modelActivatedId, StageStats stats, long windowNanos) {
        if (windowNanos <= 0) {
            throw new IllegalArgumentException("a summary window must be positive, got " + windowNanos + " ns");
        }
        this.sessionId = sessionId;
        this.modelSha256 = modelSha256;
        this.modelActivatedId = modelActivatedId;
        this.stats = stats;
        this.windowNanos = windowNanos;
        this.areaEdges = EdgeWindowSummarized.BOX_AREA_FRACTION_EDGES.stream().mapToDouble(Double::doubleValue).toArray();
        this.areaBins = new long[areaEdges.length + 1];
    }

    /**
     * The summary of the window this frame does not belong to, to journal before the frame; null
     * while the frame still belongs to the current window. Then adds the frame.
     */
    ProducedEvent onFrame(Decided d) {
        ProducedEvent closed = null;
        if (frames > 0 && d.frameTimeNanos() - startNanos >= windowNanos) {
            closed = close();
        }
        add(d);
        return closed;
    }

    /** The last, partial window's summary at the end of the session; null when it holds no frame. */
    ProducedEvent flush() {
        return frames > 0 ? close() : null;
    }

    private void add(Decided d) {
        double frameArea = 0;
        long frameIndex = -1;
        int onFrame = 0;
        boolean fallback = false;
        List<ProducedEvent> events = d.events();
        for (int i = 0, n = events.size(); i < n; i++) {
            Object p = events.get(i).payload();
            if (p instanceof FrameCaptured fc) {
                frameIndex = fc.frameIndex();
                frameArea = (double) fc.widthPx() * fc.heightPx();
            } else if (p instanceof DetectionObserved det) {
                onFrame++;
                fallback |= !modelSha256.equals(det.modelSha256());
                long[] bins = classBins.computeIfAbsent(det.className(), k -> new long[EdgeWindowSummarized.SCORE_BINS + 1]);
                bins[scoreBin(det.score())]++;
                bins[EdgeWindowSummarized.SCORE_BINS]++;
                if (frameArea > 0) {
                    double w = Math.max(0, det.boxPx().x2() - det.boxPx().x1());
                    double h = Math.max(0, det.boxPx().y2() - det.boxPx().y1());
                    areaBins[areaBin(w * h / frameArea)]++;
                }
            }
        }
        if (frames == 0) {
            firstFrameIndex = frameIndex;
            startNanos = d.frameTimeNanos();
        }
        frames++;
        lastFrameIndex = frameIndex;
        endNanos = d.frameTimeNanos();
        detections += onFrame;
        if (onFrame == 0) {
            framesWithoutDetections++;
        }
        if (fallback) {
            framesOnFallback++;
        }
        if (!Double.isNaN(d.meanLuma())) {
            imageFrames++;
            sumMeanLuma += d.meanLuma();
            sumLumaStdDev += d.lumaStdDev();
            sumLaplacianVariance += d.laplacianVariance();
        }
    }

    static int scoreBin(double score) {
        if (!(score > 0)) {
            return 0;
        }
        return (int) Math.min(EdgeWindowSummarized.SCORE_BINS - 1, Math.floor(score * EdgeWindowSummarized.SCORE_BINS));
    }

    private int areaBin(double fraction) {
        int bin = 0;
        while (bin < areaEdges.length && fraction >= areaEdges[bin]) {
            bin++;
        }
        return bin;
    }

    private ProducedEvent close() {
        List<EdgeWindowSummarized.StageLatency> latencies = new ArrayList<>(STAGES.size());
        for (int i = 0; i < STAGES.size(); i++) {
            Histogram h = stats.intervalHistogram(STAGES.get(i), recycled[i]);
            if (h == null) {
                continue;
            }
            recycled[i] = h;
            long count = h.getTotalCount();
            latencies.add(new EdgeWindowSummarized.StageLatency(STAGES.get(i), count, count == 0 ? 0 : h.getValueAtPercentile(50),
                    count == 0 ? 0 : h.getValueAtPercentile(95), count == 0 ? 0 : h.getValueAtPercentile(99), count == 0 ? 0 : h.getMaxValue()));
        }
        List<EdgeWindowSummarized.ClassScores> classes = new ArrayList<>();
        for (Map.Entry<String, long[]> e : classBins.entrySet()) {
            long[] bins = e.getValue();
            if (bins[EdgeWindowSummarized.SCORE_BINS] == 0) {
                continue;
            }
            List<Long> counts = new ArrayList<>(EdgeWindowSummarized.SCORE_BINS);
            for (int b = 0; b < EdgeWindowSummarized.SCORE_BINS; b++) {
                counts.add(bins[b]);
            }
            classes.add(new EdgeWindowSummarized.ClassScores(e.getKey(), bins[EdgeWindowSummarized.SCORE_BINS], counts));
            java.util.Arrays.fill(bins, 0);
        }
        List<Long> areas = new ArrayList<>(areaBins.length);
        for (long a : areaBins) {
            areas.add(a);
        }
        EdgeWindowSummarized.ImageStatistics image = imageFrames == 0 ? null
                : new EdgeWindowSummarized.ImageStatistics(imageFrames, sumMeanLuma / imageFrames, sumLumaStdDev / imageFrames,
                sumLumaStdDev / imageFrames / 255.0, sumLaplacianVariance / imageFrames);
        EdgeWindowSummarized summary = new EdgeWindowSummarized(sessionId, windowIndex, firstFrameIndex, lastFrameIndex, startNanos, endNanos,
                frames, framesWithoutDetections, framesOnFallback, modelSha256, latencies, image, (double) detections / frames, classes, areas,
                List.of(modelActivatedId));
        ProducedEvent event = new ProducedEvent(EventIds.of(sessionId, "EdgeWindowSummarized", windowIndex), Clocks.epochNanos(), summary);
        windowIndex++;
        frames = 0;
        framesWithoutDetections = 0;
        framesOnFallback = 0;
        detections = 0;
        imageFrames = 0;
        sumMeanLuma = 0;
        sumLumaStdDev = 0;
        sumLaplacianVariance = 0;
        java.util.Arrays.fill(areaBins, 0);
        return event;
    }
}
