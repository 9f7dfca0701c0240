package io.sightline.runtime;

import java.util.ArrayDeque;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * The pixel buffers of the decode → detect hand-over, allocated once and reused (issue 19, ADR-0039).
 * The decoder reuses one native buffer, so each frame is copied before it crosses threads; copying
 * into a fresh 960×540 Mat every frame cost a 1.5 MB native allocation, its page faults and its free,
 * on the second core. {@link #HANDOVER_BUFFERS} buffers cover every frame that can be alive at once:
 * one being filled by the decoder, one waiting in the hand-over, one in detection.
 *
 * <p>A buffer is sized by its first copy ({@code copyTo} reallocates only when the size or type
 * changes). When the pool is empty (never, with the counts above) a new buffer is made instead of
 * waiting, so a miscount costs an allocation and is counted in {@link #extraAllocations}, never a
 * stalled decoder. Thread-safe: the decoder takes, the detector and the drop handler give back.
 */
final class FrameBuffers implements AutoCloseable {

    /** The frame being decoded, the one waiting in the one-frame hand-over, the one in detection. */
    static final int HANDOVER_BUFFERS = PerceptionLoop.INGEST_QUEUE_FRAMES + 2;

    private final ArrayDeque<Mat> free = new ArrayDeque<>(HANDOVER_BUFFERS);
    private final int capacity;
    private long extraAllocations;
    private boolean closed;

    FrameBuffers(int capacity) {
        this.capacity = capacity;
        for (int i = 0; i < capacity; i++) {
            free.push(new Mat());
        }
    }

    /** A free buffer for the next frame's copy; the caller gives it back with {@link #give}. */
    synchronized Mat take() {
        Mat m = free.poll();
        if (m == null) {
            extraAllocations++;
            return new Mat();
        }
        return m;
    }

    /** Returns a buffer once its frame is detected or dropped; after {@link #close}, releases it. */
    synchronized void give(Mat buffer) {
        if (closed || free.size() >= capacity) {
            buffer.close();
            return;
        }
        free.push(buffer);
    }

    /** Buffers made because none was free: 0 when {@link #HANDOVER_BUFFERS} is right. */
    synchronized long extraAllocations() {
        return extraAllocations;
    }

    /** Releases the free buffers; buffers given back later are released as they come. */
    @Override
    public synchronized void close() {
        closed = true;
        for (Mat m; (m = free.poll()) != null; ) {
            m.close();
        }
    }
}
