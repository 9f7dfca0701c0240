package io.sightline.inference;

import org.bytedeco.opencv.opencv_core.Mat;

/**
 * One decoded BGR frame. A frame returned by {@link FrameSource#next()} is <b>borrowed</b>: its
 * {@link #image()} aliases the grabber's native buffer and is overwritten by the next grab. Call
 * {@link #copy()} before handing it to another thread, and {@link #close()} the copy when done.
 *
 * @param index            0-based index of the video frame in the source
 * @param captureTimeNanos container timestamp (files) or capture wall clock, epoch ns (live)
 * @param decodeNanos      time spent grabbing and decoding this frame
 */
public record VideoFrame(long index, long captureTimeNanos, int width, int height, Mat image, long decodeNanos, boolean owned)
        implements AutoCloseable {

    /** An owned deep copy (native memory released by {@link #close()}). */
    public VideoFrame copy() {
        return new VideoFrame(index, captureTimeNanos, width, height, image.clone(), decodeNanos, true);
    }

    /**
     * A copy of the pixels into {@code target}, which is reallocated only when its size or type
     * differs (so a reused buffer costs no allocation). The copy is not owned: {@link #close()} leaves
     * {@code target} to whoever lent it.
     */
    public VideoFrame copyInto(Mat target) {
        image.copyTo(target);
        return new VideoFrame(index, captureTimeNanos, width, height, target, decodeNanos, false);
    }

    /** Releases the native pixels of an owned copy; no-op for borrowed frames. */
    @Override
    public void close() {
        if (owned) {
            image.close();
        }
    }
}
