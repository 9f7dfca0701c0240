package io.sightline.runtime;

import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;
import static org.bytedeco.opencv.global.opencv_imgproc.FILLED;
import static org.bytedeco.opencv.global.opencv_imgproc.FONT_HERSHEY_SIMPLEX;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.LINE_AA;
import static org.bytedeco.opencv.global.opencv_imgproc.LINE_8;
import static org.bytedeco.opencv.global.opencv_imgproc.getTextSize;
import static org.bytedeco.opencv.global.opencv_imgproc.putText;
import static org.bytedeco.opencv.global.opencv_imgproc.rectangle;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import io.sightline.domain.event.BoxPx;
import io.sightline.domain.event.DetectionObserved;
import io.sightline.inference.StageStats;
import io.sightline.inference.VideoFrame;
import io.sightline.uplink.evidence.EvidenceStore;
import java.util.List;
import java.util.Locale;
import io.sightline.domain.event.FrameCaptured;
import io.sightline.inference.ProducedEvent;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evidence frames (ADR-0008): each frame, downscaled to at most {@link #MAX_WIDTH_PX} wide, with
 * the detector's boxes and "class score" labels drawn, encoded as JPEG and kept content-addressed
 * in the {@link EvidenceStore}. Its sha256 goes into the frame's {@code FrameCaptured}.
 *
 * <p>Off the decision path: the detect stage only copies (or downscales) the pixels into a pooled
 * buffer ({@value #COPY_STAGE}, about a millisecond) and hands the detections to the decide stage
 * at once; drawing, encoding and storing ({@value #STAGE}) run on this stage's own thread, and the
 * journal stage waits for the sha before it journals the frame. So an alert is never later for
 * evidence; only the journal append of a frame may wait for its picture. When the pictures fall
 * {@value #QUEUE_FRAMES} frames behind, a live source gives up the oldest waiting picture, and a
 * file read as fast as possible holds up detection (back-pressure) so that every frame keeps one.
 */
public final class EvidenceStage {

    public static final String STAGE = "evidence";
    static final String COPY_STAGE = "evidence-copy";
    /** Wide enough to read a plate-sized box at 960×540 (the bundled clips' size), small enough for ~60 KB per frame. */
    static final int MAX_WIDTH_PX = 960;
    /** OpenCV's quality, for the frames {@link MjpegEncoder} does not take (odd sizes) or after it failed. */
    static final int JPEG_QUALITY = 80;
    /** Frames that may wait for encoding; each holds one pooled buffer of at most 960×540×3 bytes. */
    static final int QUEUE_FRAMES = 4;

    private static final Logger LOG = LoggerFactory.getLogger(EvidenceStage.class);
    private static final Scalar LABEL_TEXT = new Scalar(0, 0, 0, 0);

    /** The sha256 a frame's FrameCaptured will carry, once the stage has stored its picture (null: no evidence). */
    static final class Pending {
        private final CompletableFuture<String> sha = new CompletableFuture<>();

        String await() throws InterruptedException {
            try {
                return sha.get();
            } catch (ExecutionException e) {
                return null;
            }
        }
    }

    private record Job(String frameId, long occurredAtNanos, Mat pixels, double scale, List<DetectionObserved> detections,
                       Pending pending) {
    }

    private final EvidenceStore store;
    private final String sessionId;
    private final StageStats stats;
    /** Frames whose events wait for their picture, by frame id; every entry is completed by the stage, even on failure. */
    private final Map<String, Pending> outstanding = new ConcurrentHashMap<>();
    private final LatestWinsQueue<Job> queue;
    /** QUEUE_FRAMES waiting + one being encoded + one being filled: the detect stage never allocates pixels per frame. */
    private final BlockingQueue<Mat> pool = new ArrayBlockingQueue<>(QUEUE_FRAMES + 2);
    private final IntPointer jpegParams = new IntPointer(IMWRITE_JPEG_QUALITY, JPEG_QUALITY);
    private final BytePointer encoded = new BytePointer();
    /** Used on the stage's thread only; null once it failed (OpenCV's encoder then takes every frame). */
    private MjpegEncoder mjpeg = new MjpegEncoder();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private volatile boolean ended;

    /**
     * @param latestWins live or paced source: when the encoder falls behind, the oldest waiting
     *                   picture is given up (its frame is journaled without evidence) instead of
     *                   holding up detection; otherwise (a file as fast as possible) detection waits
     *                   and every frame keeps its picture
     */
    EvidenceStage(EvidenceStore store, String sessionId, StageStats stats, boolean latestWins) {
        this.store = store;
        this.sessionId = sessionId;
        this.stats = stats;
        this.queue = new LatestWinsQueue<>(QUEUE_FRAMES, latestWins ? LatestWinsQueue.Overflow.DROP_OLDEST : LatestWinsQueue.Overflow.BLOCK,
                j -> {
                    skipped.incrementAndGet();
                    pool.offer(j.pixels());
                    j.pending().sha.complete(null);
                });
        for (int i = 0; i < QUEUE_FRAMES + 2; i++) {
            pool.add(new Mat());
        }
    }

    /**
     * On the detect thread, before the frame's detections go to the decide stage: from now on the
     * journal stage waits for this frame's picture ({@link #attach}).
     */
    Pending expect(String frameId) {
        Pending p = new Pending();
        outstanding.put(frameId, p);
        if (ended) {
            p.sha.complete(null);
        }
        return p;
    }

    /**
     * On the detect thread, after the detections went to the decide stage: copies the frame's pixels
     * (downscaled when wider than {@link #MAX_WIDTH_PX}) and queues the drawing. Never throws for
     * a frame it cannot take: the frame is then journaled without evidence.
     */
    void submit(Pending pending, VideoFrame frame, String frameId, long occurredAtNanos, List<DetectionObserved> detections)
            throws InterruptedException {
        // The pending is passed in, not looked up: the journal stage may already have taken it from the map.
        Mat pixels = null;
        boolean queued = false;
        try {
            long t0 = System.nanoTime();
            pixels = pool.take();
            double scale = 1.0;
            if (frame.width() > MAX_WIDTH_PX) {
                scale = MAX_WIDTH_PX / (double) frame.width();
                int height = Math.max(1, (int) Math.round(frame.height() * scale));
                try (Size size = new Size(MAX_WIDTH_PX, height)) {
                    // Reuses the pooled buffer: same size every frame, so OpenCV does not reallocate.
                    resize(frame.image(), pixels, size, 0, 0, INTER_LINEAR);
                }
            } else {
                frame.image().copyTo(pixels);
            }
            stats.record(COPY_STAGE, System.nanoTime() - t0);
            queued = queue.put(new Job(frameId, occurredAtNanos, pixels, scale, detections, pending));
        } catch (RuntimeException e) {
            if (failures.getAndIncrement() == 0) {
                LOG.error("Evidence of frame {} could not be copied; the frame is journaled without evidence", frameId, e);
            }
        } finally {
            if (!queued) {
                if (pixels != null) {
                    pool.offer(pixels);
                }
                pending.sha.complete(null);
            }
        }
    }

    /**
     * On the journal thread: waits for the frame's picture and puts its sha256 into the frame's
     * FrameCaptured, in place (same position, so anything indexed by position stays valid).
     */
    void attach(String frameId, List<ProducedEvent> events) throws InterruptedException {
        Pending pending = outstanding.remove(frameId);
        if (pending == null) {
            return;
        }
        String sha = pending.await();
        if (sha == null) {
            return;
        }
        for (int i = 0; i < events.size(); i++) {
            ProducedEvent e = events.get(i);
            if (e.payload() instanceof FrameCaptured fc && fc.frameId().equals(frameId)) {
                events.set(i, new ProducedEvent(e.eventId(), e.occurredAtNanos(), fc.withEvidence(sha)));
                return;
            }
        }
    }

    /** The stage's thread body: draws, encodes and stores until {@link #close()}; every expected frame completes. */
    void run() throws InterruptedException {
        try {
            for (Job job; (job = queue.take()) != null; ) {
                process(job);
            }
        } finally {
            if (skipped.get() > 0) {
                LOG.warn("Evidence encoding fell behind the live source: {} frames were journaled without a picture", skipped.get());
            }
            if (mjpeg != null) {
                mjpeg.close();
            }
            // Ended (normally or not): nothing may wait for this stage any more, or the journal stage would hang.
            ended = true;
            queue.cancel(j -> {
                pool.offer(j.pixels());
                j.pending().sha.complete(null);
            });
            for (Pending p : outstanding.values()) {
                p.sha.complete(null);
            }
        }
    }

    private void process(Job job) {
        String sha = null;
        try {
            long t0 = System.nanoTime();
            byte[] jpeg = render(job.pixels(), job.scale(), job.detections());
            sha = store.put(sessionId, job.frameId(), job.occurredAtNanos(), jpeg);
            stats.record(STAGE, System.nanoTime() - t0);
        } catch (RuntimeException e) {
            // Evidence is secondary to the frame's events: they are journaled without it.
            if (failures.getAndIncrement() == 0) {
                LOG.error("Evidence of frame {} could not be stored; the frame is journaled without evidence", job.frameId(), e);
            }
        } finally {
            pool.offer(job.pixels());
            job.pending().sha.complete(sha);
        }
    }

    /** Draws the boxes onto {@code pixels} (in place) and returns the JPEG. */
    byte[] render(Mat pixels, double scale, List<DetectionObserved> detections) {
        int thickness = Math.max(1, (int) Math.round(pixels.cols() / 480.0));
        for (int i = 0; i < detections.size(); i++) {
            DetectionObserved d = detections.get(i);
            BoxPx b = d.boxPx();
            int x1 = (int) Math.round(b.x1() * scale);
            int y1 = (int) Math.round(b.y1() * scale);
            int x2 = (int) Math.round(b.x2() * scale);
            int y2 = (int) Math.round(b.y2() * scale);
            Scalar colour = colour(d.classId());
            try (Point p1 = new Point(x1, y1); Point p2 = new Point(x2, y2)) {
                rectangle(pixels, p1, p2, colour, thickness, LINE_8, 0);
            }
            String label = d.className() + " " + String.format(Locale.ROOT, "%.2f", d.score());
            int[] baseline = new int[1];
            try (Size text = getTextSize(label, FONT_HERSHEY_SIMPLEX, 0.45, 1, baseline)) {
                int top = Math.max(0, y1 - text.height() - baseline[0] - 2);
                try (Point b1 = new Point(x1, top); Point b2 = new Point(x1 + text.width() + 4, top + text.height() + baseline[0] + 2);
                     Point org = new Point(x1 + 2, top + text.height() + 1)) {
                    rectangle(pixels, b1, b2, colour, FILLED, LINE_8, 0);
                    putText(pixels, label, org, FONT_HERSHEY_SIMPLEX, 0.45, LABEL_TEXT, 1, LINE_AA, false);
                }
            }
        }
        if (mjpeg != null && MjpegEncoder.accepts(pixels)) {
            try {
                return mjpeg.encode(pixels);
            } catch (RuntimeException e) {
                // Pictures matter more than their encoder: OpenCV's slower one takes over for the session.
                LOG.warn("FFmpeg's JPEG encoder failed ({}); evidence is encoded with OpenCV from now on", e.getMessage());
                mjpeg.close();
                mjpeg = null;
            }
        }
        if (!imencode(".jpg", pixels, encoded, jpegParams)) {
            throw new IllegalStateException("OpenCV could not encode a " + pixels.cols() + "x" + pixels.rows() + " JPEG");
        }
        byte[] out = new byte[(int) encoded.limit()];
        encoded.get(out);
        return out;
    }

    /** A fixed, bright colour per class, so the same class looks the same on every frame. */
    private static final Scalar[] PALETTE = {
        new Scalar(0, 200, 255, 0), new Scalar(255, 160, 0, 0), new Scalar(80, 220, 80, 0), new Scalar(230, 80, 230, 0),
        new Scalar(60, 60, 255, 0), new Scalar(255, 255, 80, 0), new Scalar(160, 100, 255, 0), new Scalar(0, 255, 160, 0)};

    private static Scalar colour(int classId) {
        return PALETTE[Math.floorMod(classId, PALETTE.length)];
    }

    /** No more frames: the stage finishes what is queued and ends. */
    void close() {
        queue.close();
    }

    /** Pictures given up because the encoder was behind a live source (their frames have no evidence). */
    long skipped() {
        return skipped.get();
    }

    int maxDepth() {
        return queue.maxDepth();
    }

    int capacity() {
        return queue.capacity();
    }

    /** Releases the pooled native buffers; call after the stage's thread ended. */
    void release() {
        for (Mat m; (m = pool.poll()) != null; ) {
            m.close();
        }
        jpegParams.close();
        encoded.close();
    }
}
