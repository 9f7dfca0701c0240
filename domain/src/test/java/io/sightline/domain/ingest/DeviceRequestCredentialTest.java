package io.sightline.domain.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DeviceRequestCredentialTest {

    @Test
    void theHeaderReadsBackAsWrittenWhateverTheDeviceIdHolds() {
        DeviceRequestCredential c = new DeviceRequestCredential("truck 7, \"cab\"=ü", 1_765_000_000L, new byte[] {1, 2, 3, -1});
        DeviceRequestCredential back = DeviceRequestCredential.parse(c.header());
        assertThat(back.deviceId()).isEqualTo("truck 7, \"cab\"=ü");
        assertThat(back.epochSeconds()).isEqualTo(1_765_000_000L);
        assertThat(back.signature()).containsExactly(1, 2, 3, -1);
        assertThat(DeviceRequestCredential.isDeviceScheme(c.header())).isTrue();
        assertThat(DeviceRequestCredential.isDeviceScheme("Bearer abc")).isFalse();
        assertThat(DeviceRequestCredential.isDeviceScheme("sightline-device x")).as("schemes are case-insensitive").isTrue();
    }

    @Test
    void theSignedBytesBindContextDeviceMethodPathAndTime() {
        assertThat(new String(DeviceRequestCredential.signedBytes("d", "GET", "/api/v1/assignments/f/v?x=1", 42), StandardCharsets.UTF_8))
                .isEqualTo("sightline-device-request-v1\nd\nGET\n/api/v1/assignments/f/v?x=1\n42");
    }

    @Test
    void aMalformedHeaderIsRefusedSayingWhatTheFormIs() {
        assertThatThrownBy(() -> DeviceRequestCredential.parse("Sightline-Device device=\"d\", time=\"12\""))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must read");
        assertThatThrownBy(() -> DeviceRequestCredential.parse("Sightline-Device device=\"d\", time=\"99999999999999999999\", signature=\"AA\""))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theClockSkewIsBoundedEitherWay() {
        DeviceRequestCredential c = new DeviceRequestCredential("d", 1_000, new byte[64]);
        assertThat(c.skewBeyondLimitSeconds(1_000 + DeviceRequestCredential.MAX_CLOCK_SKEW_SECONDS)).isZero();
        assertThat(c.skewBeyondLimitSeconds(1_000 + DeviceRequestCredential.MAX_CLOCK_SKEW_SECONDS + 1)).isEqualTo(301);
        assertThat(c.skewBeyondLimitSeconds(1_000 - 400)).isEqualTo(400);
    }
}
