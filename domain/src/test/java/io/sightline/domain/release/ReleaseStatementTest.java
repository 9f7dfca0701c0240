package io.sightline.domain.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import org.junit.jupiter.api.Test;

class ReleaseStatementTest {

    static final String SHA = "ab".repeat(32);
    static final String MANIFEST = "cd".repeat(32);

    @Test
    void theStatementIsSixFixedLinesAfterItsHeader() {
        ReleaseStatement s = new ReleaseStatement("model", "yolox-nano", "0.1.1rc0", SHA, 3_660_092, MANIFEST);
        assertThat(new String(s.canonicalBytes(), StandardCharsets.UTF_8)).isEqualTo("sightline-release-statement-v1\nkind=model\n"
                + "name=yolox-nano\nversion=0.1.1rc0\nsha256=" + SHA + "\nsizeBytes=3660092\nmanifestSha256=" + MANIFEST + "\n");
    }

    @Test
    void aSignatureVerifiesOnlyForTheStatementItSigned() throws Exception {
        KeyPair keys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        ReleaseStatement s = new ReleaseStatement("model", "yolox-nano", "0.1.1rc0", SHA, 3_660_092, MANIFEST);
        String sig = s.sign(keys.getPrivate());
        assertThat(s.verify(keys.getPublic(), sig)).isTrue();
        assertThat(new ReleaseStatement("model", "yolox-nano", "0.1.2", SHA, 3_660_092, MANIFEST).verify(keys.getPublic(), sig))
                .as("the same bytes as another version").isFalse();
        assertThat(new ReleaseStatement("model", "yolox-nano", "0.1.1rc0", SHA, 3_660_092, SHA).verify(keys.getPublic(), sig))
                .as("another manifest").isFalse();
        assertThat(s.verify(KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic(), sig)).as("another key").isFalse();
        assertThat(s.verify(keys.getPublic(), "not base64!")).isFalse();
    }

    @Test
    void keysRoundTripThroughPemAndHaveAStableId() throws Exception {
        KeyPair keys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        String pub = ReleaseStatement.pem("PUBLIC KEY", keys.getPublic().getEncoded());
        String priv = ReleaseStatement.pem("PRIVATE KEY", keys.getPrivate().getEncoded());
        assertThat(ReleaseStatement.publicKey(pub)).isEqualTo(keys.getPublic());
        assertThat(ReleaseStatement.privateKey(priv).getEncoded()).isEqualTo(keys.getPrivate().getEncoded());
        assertThat(ReleaseStatement.keyId(ReleaseStatement.publicKey(pub))).isEqualTo(ReleaseStatement.keyId(keys.getPublic()))
                .matches("ed25519:[0-9a-f]{16}");
        assertThatThrownBy(() -> ReleaseStatement.privateKey(pub)).hasMessageNotContaining(pub.substring(30, 60));
    }

    @Test
    void aLineBreakInANameIsRefused() {
        assertThatThrownBy(() -> new ReleaseStatement("model", "x\nversion=9", "1", SHA, 1, MANIFEST))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("name must be 1 to 255 printable ASCII characters");
        assertThatThrownBy(() -> new ReleaseStatement("policy", "policy", "1", SHA, 1, MANIFEST))
                .hasMessageContaining("'-' for a policy");
    }
}
