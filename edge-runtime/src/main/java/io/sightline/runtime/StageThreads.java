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
