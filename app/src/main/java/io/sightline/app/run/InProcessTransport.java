package io.sightline.app.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sightline.cloud.evidence.EvidenceIngestion;
import io.sightline.cloud.evidence.EvidenceUploadResult;
import io.sightline.cloud.ingest.IngestResult;
import io.sightline.cloud.ingest.SignedBatchIngestion;
import io.sightline.uplink.evidence.EvidenceReply;
import io.sightline.uplink.evidence.EvidenceTransport;
import io.sightline.uplink.transport.TransportException;
import io.sightline.uplink.transport.UplinkReply;
import io.sightline.uplink.transport.UplinkTransport;

/**
 * The all-in-one app's uplink: the edge's transport interface over the cloud's signed-batch
 * ingestion in the same JVM. The batch still goes through its wire form, signature check and
 * session ownership, so the demo exercises the same path as HTTP and MQTT.
 */
public final class InProcessTransport {

    private InProcessTransport() {
    }

    public static UplinkTransport over(SignedBatchIngestion cloud, ObjectMapper mapper) {
        return batch -> {
            IngestResult r = cloud.ingest(batch.toWireBytes(mapper, false));
            return switch (r.outcome()) {
                case ACKNOWLEDGED -> UplinkReply.acknowledged(r.sessionId(), r.firstSequence(), r.nextExpectedSequence(),
                        r.storedCount(), r.duplicateCount());
                case GAP -> UplinkReply.gap(r.sessionId(), r.firstSequence(), r.nextExpectedSequence(), r.detail());
                case REJECTED -> UplinkReply.rejected(r.sessionId(), r.firstSequence(), r.reason(), r.detail());
                case RETRY -> throw new TransportException(r.reason() + ": " + r.detail());
            };
        };
    }

    /** Evidence uploads over the cloud's evidence ingestion: the same signature, sha256 and ownership checks as HTTP. */
    public static EvidenceTransport evidence(EvidenceIngestion cloud) {
        return upload -> {
            EvidenceUploadResult r = cloud.store(new EvidenceIngestion.Upload(upload.sha256(), upload.deviceId(), upload.sessionId(),
                    upload.frameId(), upload.signature(), upload.jpeg()));
            if (r.stored()) {
                return EvidenceReply.stored();
            }
            return r.retryable() ? EvidenceReply.retry(r.reason(), r.detail()) : EvidenceReply.rejected(r.reason(), r.detail());
        };
    }
}
