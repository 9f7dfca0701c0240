package io.sightline.runtime.clip;

import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2YUV_I420;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_YUV2BGR_I420;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * The decoded frames of a source that has no packets an MP4 can carry (a V4L2 camera, raw video, a
 * codec MP4 does not take; ADR-0041), kept so that an alert's window, whose start is 30 s before
 * the alert, can be encoded once when it closes. Bounded in bytes: each frame is downscaled to at
 * most {@link #MAX_WIDTH_PX} wide (bilinear) and kept as I420 (YUV 4:2:0, 1.5 bytes a pixel, what the H.264
 * encoder takes without conversion), in slots allocated once, up to the budget, and reused oldest
 * first.
 *
 * <p>Written by the decode thread (not the detector's), read by the clip stage's thread. While a
 * window is being encoded its frames are pinned: a frame the ring would have to overwrite before
 * the encoder read it is either waited for ({@code block}, a file read as fast as possible: every
 * frame keeps its place) or not kept (a live source, which cannot wait); then the frames held are
 * no longer contiguous, and {@link #contiguousFrom} says where they are again.
 */
public final class FrameRing {

    /**
     * Wider frames are downscaled: 640×360 I420 is 345,600 bytes, so 40 s of a 25 Hz camera
     * (an alert window, T−30 s … T+10 s) is 346 MB; at 960×540 it would be 778 MB (ADR-0041).
     */
    public static final int MAX_WIDTH_PX = 640;

    private final long budgetBytes;
    private final int maxWidthPx;
    private Mat[] slots;
    private long[] indices;
    private int width;
    private int height;
    private int frameBytes;
    /** Slot of the oldest frame held and the number held. */
    private int head;
    private int count;
    private int allocated;
    /** The oldest index from which every frame up to the newest is held. */
    private long contiguousFrom = -1;
    private boolean gap;
    /** Frames at or after this index must not be overwritten (being encoded); Long.MAX_VALUE when none. */
    private long pinnedFrom = Long.MAX_VALUE;
    private long notKept;
    /**
     * Ranges [first, last] of frame indices not kept, oldest first, merged when adjacent: a window's
     * clip reports how many of its frames the ring gave up to an encode (not to its budget).
     * Bounded: ranges far behind the newest frame are forgotten.
     */
    private final java.util.ArrayDeque<long[]> notKeptRanges = new java.util.ArrayDeque<>();
    static final int MAX_NOT_KEPT_RANGES = 1024;
    private final Mat scaled = new Mat();
    private boolean closed;

    public FrameRing(long budgetBytes) {
        this(budgetBytes, MAX_WIDTH_PX);
    }

    public FrameRing(long budgetBytes, int maxWidthPx) {
        if (budgetBytes <= 0 || maxWidthPx < 16) {
            throw new IllegalArgumentException("a frame ring needs a budget > 0 and a width >= 16, got " + budgetBytes + " bytes, "
                    + maxWidthPx + " px");
        }
        this.budgetBytes = budgetBytes;
        this.maxWidthPx = maxWidthPx;
    }

    /** The size frames of {@code sourceWidth}×{@code sourceHeight} are kept at: at most the maximum width, both even. */
    public static int[] keptSize(int sourceWidth, int sourceHeight, int maxWidthPx) {
        double scale = sourceWidth > maxWidthPx ? maxWidthPx / (double) sourceWidth : 1.0;
        int w = (int) Math.round(sourceWidth * scale) & ~1;
        int h = (int) Math.round(sourceHeight * scale) & ~1;
        return new int[] {Math.max(2, w), Math.max(2, h)};
    }

    /**
     * On the decode thread: keeps {@code bgr} (any size, 8-bit BGR) as frame {@code frameIndex}.
     * Returns false when it was not kept (the oldest slot is pinned and {@code block} is false).
     */
    public boolean put(Mat bgr, long frameIndex, boolean block) throws InterruptedException {
        int slot;
        synchronized (this) {
            if (slots == null) {
                int[] size = keptSize(bgr.cols(), bgr.rows(), maxWidthPx);
                width = size[0];
                height = size[1];
                frameBytes = width * height * 3 / 2;
                int capacity = (int) Math.max(1, Math.min(Integer.MAX_VALUE - 8, budgetBytes / frameBytes));
                slots = new Mat[capacity];
                indices = new long[capacity];
            }
            while (count == slots.length && indices[head] >= pinnedFrom && !closed) {
                if (!block) {
                    notKept++;
                    gap = true;
                    long[] lastRange = notKeptRanges.peekLast();
                    if (lastRange != null && lastRange[1] == frameIndex - 1) {
                        lastRange[1] = frameIndex;
                    } else {
                        if (notKeptRanges.size() == MAX_NOT_KEPT_RANGES) {
                            notKeptRanges.pollFirst();
                        }
                        notKeptRanges.addLast(new long[] {frameIndex, frameIndex});
                    }
                    return false;
                }
                wait();
            }
            if (closed) {
                return false;
            }
            if (count == slots.length) {
                head = (head + 1) % slots.length;
                count--;
            }
            slot = (head + count) % slots.length;
            if (slots[slot] == null) {
                slots[slot] = new Mat(height * 3 / 2, width, opencv_core.CV_8UC1);
                allocated++;
            }
            // Reserved but not yet visible: count grows after the pixels are written, outside the lock.
        }
        Mat src = bgr;
        if (bgr.cols() != width || bgr.rows() != height) {
            try (Size size = new Size(width, height)) {
                // INTER_LINEAR, as the JPEG evidence did: 0.7 ms a frame against INTER_AREA's 3.3 ms (ADR-0041, measured);
                // the buffer is reused every frame.
                resize(bgr, scaled, size, 0, 0, INTER_LINEAR);
            }
            src = scaled;
        }
        cvtColor(src, slots[slot], COLOR_BGR2YUV_I420);
        synchronized (this) {
            indices[slot] = frameIndex;
            count++;
            if (gap || contiguousFrom < 0 || count == 1) {
                contiguousFrom = frameIndex;
                gap = false;
            }
            contiguousFrom = Math.max(contiguousFrom, indices[head]);
            notifyAll();
        }
        return true;
    }

    /** Frames at or after {@code frameIndex} may not be overwritten until {@link #unpin}; moves forward as they are read. */
    public synchronized void pin(long frameIndex) {
        pinnedFrom = frameIndex;
        notifyAll();
    }

    public synchronized void unpin() {
        pinnedFrom = Long.MAX_VALUE;
        notifyAll();
    }

    /** Copies frame {@code frameIndex} (I420, {@link #width()}×{@link #height()}) into {@code dst}; false when not held. */
    public synchronized boolean copyI420(long frameIndex, Mat dst) {
        int slot = slotOf(frameIndex);
        if (slot < 0) {
            return false;
        }
        slots[slot].copyTo(dst);
        return true;
    }

    /** Frame {@code frameIndex} as BGR into {@code dst}; false when not held. */
    public synchronized boolean copyBgr(long frameIndex, Mat dst) {
        int slot = slotOf(frameIndex);
        if (slot < 0) {
            return false;
        }
        cvtColor(slots[slot], dst, COLOR_YUV2BGR_I420);
        return true;
    }

    private int slotOf(long frameIndex) {
        if (count == 0) {
            return -1;
        }
        // Indices are increasing but may skip (frames not kept); frames are few thousand at most, and this runs per cut.
        for (int i = count - 1; i >= 0; i--) {
            int s = (head + i) % slots.length;
            if (indices[s] == frameIndex) {
                return s;
            }
            if (indices[s] < frameIndex) {
                return -1;
            }
        }
        return -1;
    }

    /** The oldest frame index from which every frame to the newest is held; -1 when empty. */
    public synchronized long contiguousFrom() {
        return count == 0 ? -1 : contiguousFrom;
    }

    public synchronized long newestIndex() {
        return count == 0 ? -1 : indices[(head + count - 1) % slots.length];
    }

    public synchronized int width() {
        return width;
    }

    public synchronized int height() {
        return height;
    }

    /** Native memory the ring holds now (slots allocated; they are reused, never freed before {@link #close}). */
    public synchronized long bytesAllocated() {
        return (long) allocated * frameBytes;
    }

    /** Frames the ring can hold at the source's size; 0 before the first frame. */
    public synchronized int capacityFrames() {
        return slots == null ? 0 : slots.length;
    }

    /** Frames not kept because their slot was pinned by a window being encoded (a live source only). */
    public synchronized long framesNotKept() {
        return notKept;
    }

    /**
     * Frames with an index in {@code first}…{@code last} that were not kept because their slot was
     * pinned (a live source while a window was encoded); frames evicted by the budget are not counted.
     */
    public synchronized long framesNotKeptBetween(long first, long last) {
        long n = 0;
        for (long[] r : notKeptRanges) {
            long from = Math.max(first, r[0]);
            long to = Math.min(last, r[1]);
            if (to >= from) {
                n += to - from + 1;
            }
        }
        return n;
    }

    /**
     * The widest frame (at most {@code maxWidthPx} and the source's width; when narrower than those, a
     * multiple of 16 for the encoder's macroblocks; the source's aspect ratio) of which {@code seconds} of a {@code frameRateHz} source fit in
     * {@code budgetBytes} as I420: a 30 Hz camera keeps a whole alert window within the budget
     * a 25 Hz one does at 640 px (ADR-0041). Never below {@code minWidthPx} (the window is then not
     * held whole, which {@code windowFirstFrameIndex} records) nor above the source's width.
     */
    public static int maxWidthFor(long budgetBytes, int sourceWidth, int sourceHeight, double frameRateHz, double seconds, int maxWidthPx,
                                  int minWidthPx) {
        if (sourceWidth <= 0 || sourceHeight <= 0 || !(frameRateHz > 0) || !(seconds > 0)) {
            return maxWidthPx;
        }
        double frames = Math.ceil(frameRateHz * seconds);
        int w = Math.min(maxWidthPx, sourceWidth);
        if (fits(budgetBytes, sourceWidth, sourceHeight, w, frames)) {
            return w;
        }
        w &= ~15;
        while (w > minWidthPx && !fits(budgetBytes, sourceWidth, sourceHeight, w, frames)) {
            w -= 16;
        }
        return Math.max(Math.min(minWidthPx, sourceWidth), w);
    }

    private static boolean fits(long budgetBytes, int sourceWidth, int sourceHeight, int widthPx, double frames) {
        int[] kept = keptSize(sourceWidth, sourceHeight, widthPx);
        return (long) kept[0] * kept[1] * 3 / 2 * frames <= budgetBytes;
    }

    public int maxWidthPx() {
        return maxWidthPx;
    }

    public long budgetBytes() {
        return budgetBytes;
    }

    /** No more frames are kept: a writer waiting for a pinned slot returns without keeping its frame. */
    public synchronized void close() {
        closed = true;
        notifyAll();
    }

    /** Frees the slots; call once neither the decode thread nor the clip stage uses the ring any more. */
    public synchronized void free() {
        close();
        if (slots != null) {
            for (int i = 0; i < slots.length; i++) {
                if (slots[i] != null) {
                    slots[i].close();
                    slots[i] = null;
                }
            }
        }
        scaled.close();
        count = 0;
    }
}
