package io.sightline.uplink.sign;

import io.sightline.domain.ingest.BatchCanonicalForm;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sightline.domain.ingest.BinaryBatch;
import io.sightline.domain.ingest.EventCodec;
import io.sightline.uplink.VehicleSimulator;
import io.sightline.uplink.journal.EdgeJournal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.Signature;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeviceIdentityAndSigningTest {

    @TempDir
    Path dir;

    @Test
    void keyFileIsCreatedOnceOwnerOnlyAndReloaded() throws Exception {
        Path file = dir.resolve("keys/device.key");
        DeviceIdentity created = DeviceIdentity.loadOrCreate(file, "dev-7");
        assertThat(Files.exists(file)).isTrue();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        DeviceIdentity loaded = DeviceIdentity.loadOrCreate(file, "dev-7");
        assertThat(loaded.publicKeyBase64()).isEqualTo(created.publicKeyBase64());
        assertThatThrownBy(() -> DeviceIdentity.loadOrCreate(file, "dev-8")).hasMessageContaining("belongs to device dev-7");
        Files.writeString(dir.resolve("bad.key"), "deviceId=x\n");
        assertThatThrownBy(() -> DeviceIdentity.loadOrCreate(dir.resolve("bad.key"), "x")).hasMessageContaining("move it away");
    }

    @Test
    void signatureCoversSessionPositionAndEveryByteOfTheCanonicalEvents() throws Exception {
        DeviceIdentity id = DeviceIdentity.generate("dev-s");
        EventCodec codec = new EventCodec();
        VehicleSimulator sim = new VehicleSimulator("s-sig", "f", "v", "dev-s", 1_764_000_000_000_000_000L, 50);
        try (EdgeJournal journal = EdgeJournal.open(dir.resolve("j.db"), 64L << 20)) {
            journal.append("s-sig", sim.start());
            journal.append("s-sig", sim.frames(60));
            List<EdgeJournal.StoredEvent> events = journal.read("s-sig", 0, 10_000, Long.MAX_VALUE);
            SignedBatch batch = new BatchSigner(id, codec.mapper()).sign("s-sig", events);
            // The journal's wire JSON is already canonical, so the cloud's re-serialisation matches it byte for byte.
            StringBuilder joined = new StringBuilder("[");
            events.forEach(e -> joined.append(joined.length() > 1 ? "," : "").append(e.wireJson()));
            assertThat(batch.eventsJson()).isEqualTo(joined.append(']').toString());
            var body = codec.mapper().readTree(batch.toJsonBytes(codec.mapper()));
            assertThat(codec.mapper().writeValueAsString(body.get("events"))).isEqualTo(batch.eventsJson());

            // Version 2 by default (a SHA-256 of the events is signed), said in the body.
            assertThat(batch.signatureVersion()).isEqualTo(BatchCanonicalForm.VERSION_EVENTS_DIGEST);
            assertThat(body.get("signatureVersion").asInt()).isEqualTo(2);
            assertThat(verify(id, 2, "s-sig", 0, batch.eventsJson(), batch.signature())).isTrue();
            assertThat(verify(id, 1, "s-sig", 0, batch.eventsJson(), batch.signature())).as("not valid as another version").isFalse();
            assertThat(verify(id, 2, "s-sig", 1, batch.eventsJson(), batch.signature())).isFalse();
            assertThat(verify(id, 2, "s-sig2", 0, batch.eventsJson(), batch.signature())).isFalse();
            assertThat(verify(id, 2, "s-sig", 0, batch.eventsJson().replace("0.88", "0.89"), batch.signature())).isFalse();
            assertThat(verify(DeviceIdentity.generate("dev-s"), 2, "s-sig", 0, batch.eventsJson(), batch.signature())).isFalse();

            // Version 1, for a cloud from before version 2: the events themselves are signed, and the body says nothing.
            SignedBatch v1 = new BatchSigner(id, codec.mapper(), BatchCanonicalForm.VERSION_WHOLE_EVENTS).sign("s-sig", events);
            assertThat(codec.mapper().readTree(v1.toJsonBytes(codec.mapper())).has("signatureVersion")).isFalse();
            assertThat(verify(id, 1, "s-sig", 0, v1.eventsJson(), v1.signature())).isTrue();
            assertThat(verify(id, 2, "s-sig", 0, v1.eventsJson(), v1.signature())).isFalse();
            assertThat(verify(id, 1, "s-sig", 0, v1.eventsJson().replace("0.88", "0.89"), v1.signature())).isFalse();
        }
    }

    @Test
    void version3SignsTheBinaryBodysCompressedEventsWhichDecodeToTheJournalsEvents() throws Exception {
        DeviceIdentity id = DeviceIdentity.generate("dev-b");
        EventCodec codec = new EventCodec();
        VehicleSimulator sim = new VehicleSimulator("s-bin", "f", "v", "dev-b", 1_764_000_000_000_000_000L, 50);
        try (EdgeJournal journal = EdgeJournal.open(dir.resolve("b.db"), 64L << 20)) {
            journal.append("s-bin", sim.start());
            journal.append("s-bin", sim.frames(60));
            List<EdgeJournal.StoredEvent> events = journal.read("s-bin", 0, 10_000, Long.MAX_VALUE);
            SignedBatch batch = new BatchSigner(id, codec.mapper(), BatchCanonicalForm.VERSION_COMPRESSED_DIGEST).sign("s-bin", events);
            assertThat(batch.isBinary()).isTrue();
            assertThat(batch.contentType(false)).isEqualTo(BinaryBatch.CONTENT_TYPE);
            assertThatThrownBy(() -> batch.toJsonBytes(codec.mapper())).hasMessageContaining("binary");
            byte[] body = batch.toWireBytes(codec.mapper(), true);
            BinaryBatch.Envelope head = BinaryBatch.decode(body);
            assertThat(head.signatureVersion()).isEqualTo(3);
            assertThat(head.eventCount()).isEqualTo(events.size());
            Signature s = Signature.getInstance("Ed25519");
            s.initVerify(id.publicKey());
            s.update(BatchCanonicalForm.compressedDigestBytes("s-bin", 0, head.compression(), head.eventCount(), head.eventsLength(),
                    head.events()));
            assertThat(s.verify(head.signature())).isTrue();
            // The CBOR holds the journal's events exactly: the same tree as each row's JSON.
            var tree = BinaryBatch.cborMapper().readTree(BinaryBatch.decompress(head, 64L << 20));
            assertThat(tree.size()).isEqualTo(events.size());
            for (int i = 0; i < events.size(); i++) {
                assertThat(tree.get(i)).isEqualTo(codec.mapper().readTree(events.get(i).wireJson()));
            }
            byte[] json = new BatchSigner(id, codec.mapper()).sign("s-bin", events).toJsonBytes(codec.mapper());
            assertThat(body.length).isLessThan(io.sightline.domain.ingest.BatchCompression.deflate(json).length);
        }
    }

    private static boolean verify(DeviceIdentity id, int version, String session, long first, String json, String sig) throws Exception {
        Signature s = Signature.getInstance("Ed25519");
        s.initVerify(id.publicKey());
        byte[] utf8 = json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        s.update(BatchCanonicalForm.bytes(version, session, first, utf8, 0, utf8.length));
        return s.verify(Base64.getDecoder().decode(sig));
    }
}
