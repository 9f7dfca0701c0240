package io.sightline.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The threads of one run's stages. The first failure of any stage is kept and every queue is
 * cancelled (through {@code cancelAll}), so the other stages end too instead of waiting forever.
 */
final class StageThreads {

    @FunctionalInterface
    interface StageBody {
        void run() throws InterruptedException;
    }

    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final List<Thread> threads = new ArrayList<>();
    private final List<Runnable> cancellations = new ArrayList<>();
    private static final java.lang.management.ThreadMXBean CPU = java.lang.management.ManagementFactory.getThreadMXBean();
    /** CPU time of each stage's thread over its whole life, by stage name, once it has ended. */
    private final java.util.Map<String, Long> cpuNanos = new java.util.concurrent.ConcurrentHashMap<>();

    /** Runs when any stage fails: cancel a queue, releasing what it holds. */
    synchronized void onFailure(Runnable cancel) {
        cancellations.add(cancel);
    }

    synchronized void start(String name, StageBody body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail(e);
            } catch (Throwable e) {
                fail(e);
            } finally {
                // Read by the thread itself as it ends: after the join the thread, and its CPU time, are gone.
                cpuNanos.merge(name, CPU.isCurrentThreadCpuTimeSupported() ? CPU.getCurrentThreadCpuTime() : 0L, Long::sum);
            }
        }, "sightline-" + name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    private void fail(Throwable e) {
        if (failure.compareAndSet(null, e)) {
            List<Runnable> cancel;
            synchronized (this) {
                cancel = List.copyOf(cancellations);
            }
            cancel.forEach(Runnable::run);
        }
    }

    void joinAll() throws InterruptedException {
        List<Thread> all;
        synchronized (this) {
            all = List.copyOf(threads);
        }
        for (Thread t : all) {
            t.join();
        }
    }

    /** CPU nanoseconds of each ended stage thread, by stage name (decode, detect, decide, journal, …). */
    java.util.Map<String, Long> cpuNanos() {
        return java.util.Map.copyOf(cpuNanos);
    }

    Throwable failure() {
        return failure.get();
    }

    /** Rethrows the first failure, unchecked. */
    void rethrow() {
        Throwable failed = failure.get();
        if (failed instanceof RuntimeException re) {
            throw re;
        }
        if (failed instanceof Error er) {
            throw er;
        }
        if (failed != null) {
            throw new IllegalStateException(failed.getMessage(), failed);
        }
    }
}
