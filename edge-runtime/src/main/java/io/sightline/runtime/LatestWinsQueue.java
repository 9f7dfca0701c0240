package io.sightline.runtime;

import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * A bounded hand-over between two stage threads. With {@link Overflow#DROP_OLDEST} (live sources,
 * real-time pacing) a full queue drops its oldest item to take the new one, so latency stays
 * bounded by the capacity instead of growing with the backlog; the drop is handed to
 * {@code onDrop} (counted and reported as FramesDropped, never silent). With
 * {@link Overflow#BLOCK} the producer waits (files read as fast as possible lose nothing).
 * Either way the queue never holds more than its capacity.
 */
public final class LatestWinsQueue<T> {

    public enum Overflow { DROP_OLDEST, BLOCK }

    private final ArrayDeque<T> items;
    private final int capacity;
    private final Overflow overflow;
    private final Consumer<? super T> onDrop;
    private boolean closed;
    private boolean cancelled;
    private long dropped;
    private int maxDepth;
    /** Time the producer spent waiting for room, and the consumer for an item: where a pipeline's bubbles are. */
    private long putWaitNanos;
    private long takeWaitNanos;

    public LatestWinsQueue(int capacity, Overflow overflow, Consumer<? super T> onDrop) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1, got " + capacity);
        }
        this.items = new ArrayDeque<>(capacity);
        this.capacity = capacity;
        this.overflow = overflow;
        this.onDrop = onDrop;
    }

    /**
     * Offers an item; with BLOCK waits for room.
     *
     * @return false when the consumer cancelled the queue (the item was handed to onDrop's owner: the caller closes it)
     */
    public synchronized boolean put(T item) throws InterruptedException {
        if (overflow == Overflow.BLOCK && items.size() >= capacity && !cancelled) {
            long t0 = System.nanoTime();
            while (items.size() >= capacity && !cancelled) {
                wait();
            }
            putWaitNanos += System.nanoTime() - t0;
        }
        if (cancelled) {
            return false;
        }
        if (items.size() >= capacity) {
            T oldest = items.pollFirst();
            dropped++;
            onDrop.accept(oldest);
        }
        items.addLast(item);
        maxDepth = Math.max(maxDepth, items.size());
        notifyAll();
        return true;
    }

    /** The oldest item, waiting for one; null once the producer closed and the queue is empty, or it was cancelled. */
    public synchronized T take() throws InterruptedException {
        if (items.isEmpty() && !closed && !cancelled) {
            long t0 = System.nanoTime();
            while (items.isEmpty() && !closed && !cancelled) {
                wait();
            }
            takeWaitNanos += System.nanoTime() - t0;
        }
        if (cancelled) {
            return null;
        }
        T item = items.pollFirst();
        notifyAll();
        return item;
    }

    /** The producer is done; the consumer drains what is left. */
    public synchronized void close() {
        closed = true;
        notifyAll();
    }

    /** The consumer stopped: what is queued goes to {@code discard}, and producers stop. */
    public synchronized void cancel(Consumer<? super T> discard) {
        cancelled = true;
        T item;
        while ((item = items.pollFirst()) != null) {
            discard.accept(item);
        }
        notifyAll();
    }

    public synchronized long dropped() {
        return dropped;
    }

    /** The most items ever queued at once (never above the capacity). */
    public synchronized int maxDepth() {
        return maxDepth;
    }

    /** Nanoseconds the producer has waited for room (BLOCK only). */
    public synchronized long putWaitNanos() {
        return putWaitNanos;
    }

    /** Nanoseconds the consumer has waited for an item. */
    public synchronized long takeWaitNanos() {
        return takeWaitNanos;
    }

    public synchronized int size() {
        return items.size();
    }

    public int capacity() {
        return capacity;
    }
}
