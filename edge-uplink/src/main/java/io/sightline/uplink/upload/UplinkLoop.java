package io.sightline.uplink.upload;

import io.sightline.uplink.transport.TransportException;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;

/**
 * The background thread of an uploader: one pass, then wait for a wake-up or the idle poll; after
 * a transport failure, back off exponentially with full jitter, so many vehicles coming back after
 * one outage do not retry in step. Shared by the event uploader and the evidence uploader.
 */
public final class UplinkLoop implements AutoCloseable {

    /** One upload pass; a {@link TransportException} backs the loop off. */
    @FunctionalInterface
    public interface Pass {
        void run() throws TransportException;
    }

    private final String threadName;
    private final String what;
    private final Logger log;
    private final long initialBackoffMillis;
    private final long maxBackoffMillis;
    private final long idlePollMillis;
    private final Pass pass;
    private final boolean warnOnOutage;
    private final Object wakeUp = new Object();
    /** Set by {@link #wake()} under {@link #wakeUp}: a wake that comes during a pass is not lost. */
    private boolean woken;
    private volatile boolean running;
    private Thread thread;

    /**
     * @param what         names the uploader in log lines ("Uplink", "Evidence uplink")
     * @param warnOnOutage log the first failure of an outage as a warning; off where a retry is part
     *                     of normal work (evidence that reaches the cloud before its frame's event)
     */
    public UplinkLoop(String threadName, String what, Logger log, Duration initialBackoff, Duration maxBackoff, Duration idlePoll,
                      boolean warnOnOutage, Pass pass) {
        this.threadName = threadName;
        this.what = what;
        this.log = log;
        this.initialBackoffMillis = initialBackoff.toMillis();
        this.maxBackoffMillis = maxBackoff.toMillis();
        this.idlePollMillis = idlePoll.toMillis();
        this.pass = pass;
        this.warnOnOutage = warnOnOutage;
    }

    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        thread = new Thread(this::loop, threadName);
        thread.setDaemon(true);
        thread.start();
    }

    /** Ends the current wait, so new work goes now rather than at the next poll. */
    public void wake() {
        synchronized (wakeUp) {
            woken = true;
            wakeUp.notifyAll();
        }
    }

    private void loop() {
        long backoffMillis = initialBackoffMillis;
        while (running) {
            long waitMillis;
            try {
                pass.run();
                backoffMillis = initialBackoffMillis;
                waitMillis = idlePollMillis;
            } catch (TransportException e) {
                waitMillis = ThreadLocalRandom.current().nextLong(backoffMillis / 2, backoffMillis + 1);
                if (warnOnOutage && backoffMillis == initialBackoffMillis) {
                    // The first failure of an outage is worth a warning; the retries that follow are not.
                    log.warn("{} failed ({}); retrying with backoff up to {} ms", what, e.getMessage(), maxBackoffMillis);
                } else {
                    log.debug("{} failed ({}); retrying in {} ms", what, e.getMessage(), waitMillis);
                }
                backoffMillis = Math.min(maxBackoffMillis, backoffMillis * 2);
            } catch (RuntimeException e) {
                waitMillis = maxBackoffMillis;
                log.error("{} loop error; retrying in {} ms", what, waitMillis, e);
            }
            synchronized (wakeUp) {
                if (running && !woken) {
                    try {
                        wakeUp.wait(Math.max(1, waitMillis));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                woken = false;
            }
        }
    }

    /** Stops the loop and waits up to 10 s for the pass in progress. */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            running = false;
            t = thread;
            thread = null;
        }
        wake();
        if (t != null) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
