package io.sightline.domain.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Any single change to an export is caught and the first bad line named. */
class AuditChainTest {

    private KeyPair key;
    private List<String> file;

    @BeforeEach
    void export() throws Exception {
        key = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        AuditChain.Writer w = new AuditChain.Writer();
        file = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ObjectNode body = AuditChain.mapper().createObjectNode();
            body.put("alertId", "a" + i);
            body.put("ttcS", 1.5 + i / 10.0);
            body.putObject("trace").put("nodes", 7 + i);
            file.add(w.record(body));
        }
        file.add(w.manifest(Map.of("fleetId", "fleet-a", "fromNanos", 0L, "toNanos", 10L), 42L, key.getPublic(), key.getPrivate()));
    }

    @Test
    void untouchedExportVerifies() {
        AuditChain.Verification v = AuditChain.verify(file, key.getPublic());
        assertThat(v.valid()).as(v.problem()).isTrue();
        assertThat(v.records()).isEqualTo(5);
        assertThat(AuditChain.verify(file, null).publicKeyFingerprint()).hasSize(16);
    }

    @Test
    void changedRecordIsNamed() {
        file.set(2, file.get(2).replace("\"a2\"", "\"a9\""));
        AuditChain.Verification v = AuditChain.verify(file, key.getPublic());
        assertThat(v.valid()).isFalse();
        assertThat(v.firstBadLine()).isEqualTo(3);
        assertThat(v.problem()).contains("record 2 (line 3) was altered");
    }

    @Test
    void deletedRecordIsNamed() {
        file.remove(1);
        AuditChain.Verification v = AuditChain.verify(file, key.getPublic());
        assertThat(v.firstBadLine()).isEqualTo(2);
        assertThat(v.problem()).contains("has seq 2, expected 1");
    }

    @Test
    void reorderedRecordsAreNamed() {
        Collections.swap(file, 3, 4);
        AuditChain.Verification v = AuditChain.verify(file, key.getPublic());
        assertThat(v.firstBadLine()).isEqualTo(4);
    }

    @Test
    void insertedRecordIsNamed() {
        file.add(3, file.get(0));
        AuditChain.Verification v = AuditChain.verify(file, key.getPublic());
        assertThat(v.valid()).isFalse();
        assertThat(v.firstBadLine()).isEqualTo(4);
    }

    @Test
    void editedManifestIsCaught() {
        int last = file.size() - 1;
        file.set(last, file.get(last).replace("\"fleet-a\"", "\"fleet-b\""));
        AuditChain.Verification v = AuditChain.verify(file, key.getPublic());
        assertThat(v.firstBadLine()).isEqualTo(6);
        assertThat(v.problem()).contains("manifest signature is not valid");
    }

    @Test
    void rehashedForgeryIsCaughtByTheSignature() throws Exception {
        // A forger who recomputes every hash still cannot sign the manifest with the exporter's key.
        AuditChain.Writer w = new AuditChain.Writer();
        List<String> forged = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ObjectNode body = AuditChain.mapper().createObjectNode();
            body.put("alertId", i == 2 ? "forged" : "a" + i);
            forged.add(w.record(body));
        }
        KeyPair other = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        forged.add(w.manifest(Map.of("fleetId", "fleet-a"), 42L, other.getPublic(), other.getPrivate()));
        assertThat(AuditChain.verify(forged, key.getPublic()).problem()).contains("signature is not valid");
    }

    @Test
    void truncatedFileIsCaught() {
        file.remove(file.size() - 1);
        assertThat(AuditChain.verify(file, key.getPublic()).problem()).contains("last line is not a manifest");
    }
}
