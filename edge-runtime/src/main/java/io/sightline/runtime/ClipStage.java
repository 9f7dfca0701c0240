package io.sightline.runtime;

import io.sightline.domain.evidence.AlertWindow;
import io.sightline.domain.event.EventIds;
import io.sightline.domain.event.EvidenceClipRecorded;
import io.sightline.inference.Clocks;
import io.sightline.inference.ProducedEvent;
import io.sightline.inference.StageStats;
import io.sightline.runtime.clip.ClipCutter;
import io.sightline.runtime.clip.ClipEncoder;
import io.sightline.runtime.clip.DecidingStillMaker;
import io.sightline.runtime.clip.FrameRing;
import io.sightline.runtime.clip.PacketRing;
import io.sightline.runtime.clip.PacketTap;
import io.sightline.uplink.evidence.EvidenceStore;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Video evidence (ADR-0037): the source's own compressed packets, read by a second demuxer
 * ({@link PacketTap}) into a bounded {@link PacketRing}, and cut into an MP4 clip by remuxing when an
 * alert's window (T−30 s … T+10 s of edge time, {@link AlertWindow}, the window the journal and the
 * evidence store keep longest) closes. The clip is kept content-addressed in the
 * {@link EvidenceStore} (its budget and retention) and named by an {@link EvidenceClipRecorded} the
 * journal stage appends with the next frame. Overlapping windows share one clip.
 *
 * <p>Nothing of it runs on the detector's thread or per frame on the decode path: the journal
 * thread posts each journaled frame's index and time (a queue offer), and this stage's own thread
 * reads packets (no decode) and, once per window, remuxes. Frames no longer wait for a picture.
 */
public final class ClipStage {

    public static final String STAGE = "evidence-clip";
    /**
     * Compressed video the ring may hold: 40 s of window at 8 Mbit/s is 40 MB; 64 MiB leaves a
     * file run faster than real time some slack (the bundled 4 Mbit/s clip: 128 s of video).
     */
    public static final long PACKET_RING_BUDGET_BYTES = 64L << 20;
    /**
     * Decoded frames the encode path's ring may hold (ADR-0041): 384 MiB is 1,165 frames at 640×360
     * I420, 46 s of a 25 Hz camera. A faster camera's frames are kept smaller so that it too holds
     * {@link #FRAME_RING_SECONDS} (30 Hz: 576×324, 1,438 frames, 47.9 s). Allocated as frames arrive, up to this.
     */
    public static final long FRAME_RING_BUDGET_BYTES = 384L << 20;
    /**
     * Seconds of the source the frame ring is sized to hold: an alert window (40 s) and 6 s of
     * frames that arrive before the encoder has read the window's start (it reads ~5 ms a frame,
     * faster than any camera delivers, so once it runs it frees slots faster than they fill).
     */
    public static final double FRAME_RING_SECONDS = 46.0;
    /** Frames are never kept narrower than this to fit the window: a plate-sized box must stay readable. */
    public static final int FRAME_RING_MIN_WIDTH_PX = 320;
    /** The decode thread's cost of keeping a frame in the encode path's ring (downscale, I420). */
    public static final String RING_STAGE = "evidence-ring";
    /** Journaled frames the stage may fall behind by before the journal stage waits for it (a window's cut, ~0.1 s). */
    static final int QUEUE_FRAMES = 1024;

    private static final Logger LOG = LoggerFactory.getLogger(ClipStage.class);

    private sealed interface Msg permits FrameMsg, EndMsg {
    }

    /** @param alertAtNanos edge time of the frame's first AlertRaised (its window's T), when it raised any */
    private record FrameMsg(long frameIndex, long atNanos, List<String> alertIds, long alertAtNanos) implements Msg {
    }

    private record EndMsg() implements Msg {
    }

    /** The alert windows being filled, merged while they overlap. */
    private static final class Window {
        final List<String> alertIds = new ArrayList<>();
        /** Each alert's deciding frame (the frame it was journaled with) and that frame's edge time. */
        final List<long[]> decidingFrames = new ArrayList<>();
        final long fromNanos;
        long toNanos;
        long firstFrameIndex = -1;
        long lastFrameIndex = -1;

        Window(long fromNanos, long toNanos) {
            this.fromNanos = fromNanos;
            this.toNanos = toNanos;
        }
    }

    /** What a closed window cost: for the run's summary and the benchmark. */
    record Cut(String sha256, long bytes, long firstFrameIndex, int frameCount, long windowFirstFrameIndex,
               long windowLastFrameIndex, List<String> alertIds, long cutNanos, String method, long clipNanos, int stills,
               long stillBytes, long stillNanos, long windowFramesNotKept) {
    }

    /** The remux path's packets, or null on the encode path. */
    private final PacketTap tap;
    /** The encode path's decoded frames and encoder (ADR-0041), or null on the remux path. */
    private final FrameRing frames;
    private final ClipEncoder encoder;
    private final double frameRateHz;
    private final EvidenceStore store;
    private final String sessionId;
    private final Path scratch;
    private final StageStats stats;
    private final BlockingQueue<Msg> in = new ArrayBlockingQueue<>(QUEUE_FRAMES);
    private final ConcurrentLinkedQueue<ProducedEvent> recorded = new ConcurrentLinkedQueue<>();
    private final List<Cut> cuts = java.util.Collections.synchronizedList(new ArrayList<>());
    /** (frame index, edge time) of the journaled frames of the last 30 s: where a new window starts. */
    private final ArrayDeque<long[]> recent = new ArrayDeque<>();
    private final AtomicLong failures = new AtomicLong();
    private Window open;
    private int clipsCut;
    /** What the stage's thread runs at (nice 19, or why not); null until it started. */
    private volatile ThreadNice.Outcome priority;
    /** Tests hold the encoder here, the window's frames pinned, to make a live source's frames arrive meanwhile. */
    private volatile java.util.function.Consumer<FrameRing> beforeEncode = r -> { };

    ClipStage(PacketTap tap, EvidenceStore store, String sessionId, Path scratch, StageStats stats) {
        this(tap, null, null, 0, store, sessionId, scratch, stats);
    }

    /**
     * The encode path (ADR-0041): the decode thread keeps every frame in {@code frames}; a closed
     * window is encoded once by {@code encoder} on this stage's thread.
     */
    ClipStage(FrameRing frames, ClipEncoder encoder, double frameRateHz, EvidenceStore store, String sessionId, Path scratch,
              StageStats stats) {
        this(null, frames, encoder, frameRateHz, store, sessionId, scratch, stats);
    }

    private ClipStage(PacketTap tap, FrameRing frames, ClipEncoder encoder, double frameRateHz, EvidenceStore store, String sessionId,
                      Path scratch, StageStats stats) {
        this.tap = tap;
        this.frames = frames;
        this.encoder = encoder;
        this.frameRateHz = frameRateHz;
        this.store = store;
        this.sessionId = sessionId;
        this.scratch = scratch;
        this.stats = stats;
    }

    /**
     * Opens the tap on {@code location}, or returns null (logged) when its packets cannot go into a
     * clip as they are: a device or network stream, or a codec MP4 does not carry.
     */
    static PacketTap tapOrNull(String location, boolean live) {
        if (live) {
            LOG.info("Evidence of a live source is encoded once per alert window: a second reader of {} would not see the decoder's"
                    + " packets (ADR-0037, ADR-0041)", io.sightline.inference.FrameSource.sourceIdOf(location));
            return null;
        }
        try {
            return PacketTap.open(location, new PacketRing(PACKET_RING_BUDGET_BYTES));
        } catch (RuntimeException e) {
            LOG.info("Evidence is encoded once per alert window: {}", e.getMessage());
            return null;
        }
    }

    /**
     * On the journal thread, after a frame's append: its index, journaled time and the alerts it
     * raised with the first one's journaled time (the T of their window).
     */
    void frameJournaled(long frameIndex, long atNanos, List<String> alertIds, long alertAtNanos) throws InterruptedException {
        in.put(new FrameMsg(frameIndex, atNanos, alertIds, alertAtNanos));
    }

    /** The pipeline failed: the stage ends without cutting, so nothing waits for it. */
    void abort() {
        if (frames != null) {
            frames.close();
        }
        in.clear();
        in.offer(new EndMsg());
    }

    /** No more frames: the stage cuts the window still open and ends. */
    void close() throws InterruptedException {
        in.put(new EndMsg());
    }

    /** The EvidenceClipRecorded events cut so far and not yet taken, for the journal stage's next append. */
    void drainTo(List<ProducedEvent> out) {
        for (ProducedEvent e; (e = recorded.poll()) != null; ) {
            out.add(e);
        }
    }

    List<Cut> cuts() {
        synchronized (cuts) {
            return List.copyOf(cuts);
        }
    }

    PacketRing ring() {
        return tap == null ? null : tap.ring();
    }

    /** The encode path's frame ring, or null on the remux path. */
    FrameRing frameRing() {
        return frames;
    }

    /** The encoder of the encode path, or null. */
    String encoderName() {
        return encoder == null ? null : encoder.name();
    }

    /** What the stage's thread ran at: nice 19 (the lowest), or its nice and why not; null before it started. */
    ThreadNice.Outcome priority() {
        return priority;
    }

    /** Called on the stage's thread with the window's frames pinned, just before it encodes them (tests). */
    void beforeEncode(java.util.function.Consumer<FrameRing> hook) {
        this.beforeEncode = hook;
    }

    /** The stage's thread body. */
    void run() throws InterruptedException {
        // A remux costs milliseconds, an encode seconds of CPU per window: either way only CPU the detector, decode, decide and
        // journal leave. Java thread priorities are ignored on Linux without root, so the OS's nice, as the shadow does.
        priority = ThreadNice.lower("evidence clip stage");
        try {
            for (Msg m; !((m = in.take()) instanceof EndMsg); ) {
                FrameMsg f = (FrameMsg) m;
                onFrame(f);
            }
            if (open != null) {
                cut(open);
                open = null;
            }
        } finally {
            if (tap != null) {
                tap.close();
            }
        }
    }

    private void onFrame(FrameMsg f) {
        if (open != null && f.atNanos() > open.toNanos) {
            cut(open);
            open = null;
        }
        recent.addLast(new long[] {f.frameIndex(), f.atNanos()});
        while (recent.peekFirst()[1] < f.atNanos() - AlertWindow.BEFORE_NANOS) {
            recent.pollFirst();
        }
        for (String alertId : f.alertIds()) {
            if (open == null) {
                open = new Window(AlertWindow.fromNanos(f.alertAtNanos()), AlertWindow.toNanos(f.alertAtNanos()));
                for (long[] r : recent) {
                    if (r[1] >= open.fromNanos) {
                        open.firstFrameIndex = r[0];
                        break;
                    }
                }
            } else {
                open.toNanos = Math.max(open.toNanos, AlertWindow.toNanos(f.alertAtNanos()));
            }
            open.alertIds.add(alertId);
            open.decidingFrames.add(new long[] {f.frameIndex(), f.atNanos()});
        }
        if (open != null) {
            open.lastFrameIndex = f.frameIndex();
        }
        if (tap == null) {
            // The encode path's frames are kept by the decode thread.
            return;
        }
        try {
            // Keeps the ring in step with the journal: the packets of a window's start are read while the ring still has room.
            long t0 = System.nanoTime();
            tap.readThrough(f.frameIndex());
            stats.record(STAGE, System.nanoTime() - t0);
        } catch (RuntimeException e) {
            failed("read the packets of frame " + f.frameIndex(), e);
        }
    }

    private void cut(Window w) {
        long t0 = System.nanoTime();
        try {
            ClipCutter.Clip clip = tap != null ? remux(w) : encode(w);
            if (clip == null) {
                return;
            }
            String sha = store.putClip(sessionId, "clip:" + w.alertIds.get(0), w.toNanos - AlertWindow.AFTER_NANOS, clip.bytes());
            if (sha == null) {
                LOG.warn("No clip for alerts {}: the evidence budget is held by evidence not uploaded yet", w.alertIds);
                return;
            }
            long cutNanos = System.nanoTime() - t0;
            long s0 = System.nanoTime();
            List<EvidenceClipRecorded.DecidingStill> stills = stills(w, clip, sha);
            long stillNanos = System.nanoTime() - s0;
            long now = Clocks.epochNanos();
            long notKept = frames == null ? 0 : frames.framesNotKeptBetween(w.firstFrameIndex, w.lastFrameIndex);
            EvidenceClipRecorded event = new EvidenceClipRecorded(sha, ClipCutter.CONTENT_TYPE, clip.bytes().length,
                    tap != null ? EvidenceClipRecorded.REMUX : EvidenceClipRecorded.ENCODE, clip.firstFrameIndex(), clip.frameCount(),
                    clip.frameRateHz(), w.firstFrameIndex, w.lastFrameIndex, w.alertIds, now, stills, notKept);
            recorded.add(new ProducedEvent(EventIds.of(sessionId, "EvidenceClipRecorded", clipsCut++), now, event));
            long took = System.nanoTime() - t0;
            stats.record(STAGE, took);
            long stillBytes = 0;
            for (EvidenceClipRecorded.DecidingStill st : stills) {
                stillBytes += st.sizeBytes();
            }
            cuts.add(new Cut(sha, clip.bytes().length, clip.firstFrameIndex(), clip.frameCount(), w.firstFrameIndex,
                    w.lastFrameIndex, List.copyOf(w.alertIds), took, event.method(), cutNanos, stills.size(), stillBytes, stillNanos,
                    notKept));
        } catch (RuntimeException e) {
            failed("cut the clip of alerts " + w.alertIds, e);
        }
    }

    /** The source's own packets (ADR-0037). */
    private ClipCutter.Clip remux(Window w) {
        // The ring may have forgotten the window's start (a file run much faster than real time): cut what it holds.
        long first = Math.max(w.firstFrameIndex, Math.max(0, tap.ring().oldestKeyIndex()));
        ClipCutter.Clip clip = ClipCutter.cut(tap, first, w.lastFrameIndex, scratch);
        if (clip == null) {
            LOG.warn("No clip for alerts {}: the packet ring no longer holds frames {}…{}", w.alertIds, w.firstFrameIndex,
                    w.lastFrameIndex);
        }
        return clip;
    }

    /** The decoded frames, encoded once (ADR-0041). */
    private ClipCutter.Clip encode(Window w) {
        // The window's last journaled frame was decoded before it was journaled, so the ring has it (or gave it up, live).
        long last = Math.min(w.lastFrameIndex, frames.newestIndex());
        long first = Math.max(w.firstFrameIndex, frames.contiguousFrom());
        if (frames.newestIndex() < 0 || first > last) {
            LOG.warn("No clip for alerts {}: the frame ring no longer holds frames {}…{}", w.alertIds, w.firstFrameIndex,
                    w.lastFrameIndex);
            return null;
        }
        if (first > w.firstFrameIndex) {
            long notKept = frames.framesNotKeptBetween(w.firstFrameIndex, w.lastFrameIndex);
            LOG.info("The clip of alerts {} starts at frame {}, not at its window's first frame {}: {} of the window's frames were not"
                    + " kept while an earlier window was encoded (a live source cannot wait); a clip starts after the last such gap, or at"
                    + " the oldest frame the ring holds", w.alertIds, first, w.firstFrameIndex, notKept);
        }
        frames.pin(first);
        try {
            beforeEncode.accept(frames);
            return encoder.encode(frames, first, last, frameRateHz, scratch);
        } finally {
            frames.unpin();
        }
    }

    /**
     * A still JPEG of each alert's deciding frame, kept in the store beside the clip: from the
     * frame ring on the encode path (the pixels before encoding), decoded from the clip on the
     * remux path (the camera's own pixels, exactly). An alert whose frame the clip does not hold
     * gets none; a failure costs the stills, never the clip.
     */
    private List<EvidenceClipRecorded.DecidingStill> stills(Window w, ClipCutter.Clip clip, String clipSha) {
        List<EvidenceClipRecorded.DecidingStill> out = new ArrayList<>(w.alertIds.size());
        try {
            java.util.Map<Long, DecidingStillMaker.Still> byFrame = new java.util.HashMap<>();
            List<Long> wanted = new ArrayList<>();
            for (long[] d : w.decidingFrames) {
                if (clip.offsetOf(d[0]) >= 0 && !wanted.contains(d[0])) {
                    wanted.add(d[0]);
                }
            }
            if (wanted.isEmpty()) {
                return out;
            }
            if (frames != null) {
                for (long frameIndex : wanted) {
                    DecidingStillMaker.Still still = DecidingStillMaker.fromRing(frames, frameIndex);
                    if (still != null) {
                        byFrame.put(frameIndex, still);
                    }
                }
            } else {
                byFrame.putAll(DecidingStillMaker.fromClip(store.path(clipSha), clip.firstFrameIndex(), wanted));
            }
            for (int i = 0; i < w.alertIds.size(); i++) {
                long frameIndex = w.decidingFrames.get(i)[0];
                DecidingStillMaker.Still still = byFrame.get(frameIndex);
                if (still == null) {
                    continue;
                }
                String sha = store.put(sessionId, "still:" + w.alertIds.get(i), w.decidingFrames.get(i)[1], still.jpeg());
                if (sha != null) {
                    out.add(new EvidenceClipRecorded.DecidingStill(w.alertIds.get(i), frameIndex, sha, still.jpeg().length,
                            still.widthPx(), still.heightPx()));
                }
            }
        } catch (RuntimeException e) {
            failed("make the deciding frames' stills of alerts " + w.alertIds, e);
        }
        return out;
    }

    private void failed(String what, RuntimeException e) {
        // Evidence is secondary to the session's events: they are journaled without it.
        if (failures.getAndIncrement() == 0) {
            LOG.error("Evidence clips: could not {}; the session goes on without", what, e);
        }
    }
}
