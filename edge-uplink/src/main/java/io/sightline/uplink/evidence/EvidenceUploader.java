package io.sightline.uplink.evidence;

import io.sightline.uplink.sign.EvidenceSigner;
import io.sightline.uplink.transport.TransportException;
import io.sightline.uplink.upload.UplinkLoop;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the evidence of frames inside alert windows to the cloud, on its own thread beside the
 * event {@code Uploader}: a 60 KB picture must never hold up the events behind it, and a cloud that
 * cannot take pictures yet (the session's events are still on their way) only delays pictures.
 * Frames outside every window stay on the edge until retention deletes them.
 *
 * <p>All state is in the {@link EvidenceStore} index (uploaded or refused per frame), so after a
 * restart it resumes; uploads are idempotent by sha256, so a resend after a lost reply is harmless.
 */
public final class EvidenceUploader implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EvidenceUploader.class);
    private static final int FRAMES_PER_PASS = 64;

    /** @param refusedRetry how long before frames the cloud refused are offered again */
    public record Settings(Duration initialBackoff, Duration maxBackoff, Duration idlePoll, Duration refusedRetry) {
        public static Settings defaults() {
            return new Settings(Duration.ofMillis(200), Duration.ofSeconds(10), Duration.ofMillis(500), Duration.ofSeconds(60));
        }
    }

    /** Counters since start. */
    public record Stats(long uploaded, long uploadedBytes, long retries, long refused, long lost) {
    }

    private final EvidenceStore store;
    private final EvidenceSigner signer;
    private final EvidenceTransport transport;
    private final Settings settings;
    private final AtomicLong uploaded = new AtomicLong();
    private final AtomicLong uploadedBytes = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong lost = new AtomicLong();
    private final UplinkLoop loop;
    /** Touched only by the loop's thread. */
    private long refusedRetryAtMillis;

    public EvidenceUploader(EvidenceStore store, EvidenceSigner signer, EvidenceTransport transport, Settings settings) {
        this.store = store;
        this.signer = signer;
        this.transport = transport;
        this.settings = settings;
        this.refusedRetryAtMillis = System.currentTimeMillis() + settings.refusedRetry().toMillis();
        this.loop = new UplinkLoop("evidence-uplink-" + signer.deviceId(), "Evidence uplink", LOG, settings.initialBackoff(),
                settings.maxBackoff(), settings.idlePoll(), false, this::pass);
    }

    /**
     * Sends every pending frame once.
     *
     * @return true when nothing is pending any more
     * @throws TransportException when the cloud is unreachable or asked to retry (the caller backs off)
     */
    public boolean drainOnce() throws TransportException {
        while (true) {
            List<EvidenceStore.Frame> pending = store.pendingUploads(FRAMES_PER_PASS);
            if (pending.isEmpty()) {
                return true;
            }
            for (EvidenceStore.Frame f : pending) {
                send(f);
            }
        }
    }

    private void send(EvidenceStore.Frame f) throws TransportException {
        byte[] jpeg = store.read(f.sha256());
        if (jpeg == null || !EvidenceStore.sha256Hex(jpeg).equals(f.sha256())) {
            // Retention raced us, or the file is short after a power cut: nothing valid to send.
            lost.incrementAndGet();
            store.markRefused(f.sessionId(), f.frameId(), jpeg == null ? "LOST: file deleted" : "LOST: file does not match its sha256");
            LOG.warn("Evidence {} of frame {} cannot be uploaded: {}", f.sha256(), f.frameId(),
                    jpeg == null ? "its file is gone" : "its file no longer matches its sha256");
            return;
        }
        EvidenceUpload upload = new EvidenceUpload(signer.deviceId(), f.sessionId(), f.frameId(), f.sha256(), jpeg,
                signer.sign(f.sessionId(), f.frameId(), f.sha256()));
        EvidenceReply reply = transport.put(upload);
        switch (reply.status()) {
            case STORED -> {
                store.markUploaded(f.sessionId(), f.frameId());
                uploaded.incrementAndGet();
                uploadedBytes.addAndGet(jpeg.length);
            }
            case RETRY -> {
                retries.incrementAndGet();
                throw new TransportException("cloud asked to retry evidence " + f.sha256() + ": " + reply.reason() + " " + reply.detail());
            }
            case REJECTED -> {
                refused.incrementAndGet();
                store.markRefused(f.sessionId(), f.frameId(), reply.reason() + ": " + reply.detail());
                LOG.error("Cloud refused evidence {} of frame {} in session {}: {} {}. It stays on the edge; offered again in {} s",
                        f.sha256(), f.frameId(), f.sessionId(), reply.reason(), reply.detail(), settings.refusedRetry().toSeconds());
            }
            default -> throw new IllegalStateException("unknown reply " + reply.status());
        }
    }

    public void start() {
        loop.start();
    }

    /** Tells the loop there may be new work (an alert, the end of a session). */
    public void wake() {
        loop.wake();
    }

    /** One pass of the loop: refused frames are offered again once {@code refusedRetry} has passed. */
    private void pass() throws TransportException {
        if (System.currentTimeMillis() >= refusedRetryAtMillis) {
            store.retryRefused();
            refusedRetryAtMillis = System.currentTimeMillis() + settings.refusedRetry().toMillis();
        }
        drainOnce();
    }

    /**
     * Waits until no frame of {@code sessionId} inside an alert window is left to upload, at most
     * {@code maxWait}; returns how many are still pending (0 when done).
     */
    public long awaitSession(String sessionId, Duration maxWait) throws InterruptedException {
        long deadline = System.nanoTime() + maxWait.toNanos();
        while (true) {
            wake();
            long pending = store.pendingUploads(sessionId);
            if (pending == 0 || System.nanoTime() > deadline) {
                return pending;
            }
            Thread.sleep(100);
        }
    }

    public Stats stats() {
        return new Stats(uploaded.get(), uploadedBytes.get(), retries.get(), refused.get(), lost.get());
    }

    @Override
    public void close() {
        loop.close();
    }
}
