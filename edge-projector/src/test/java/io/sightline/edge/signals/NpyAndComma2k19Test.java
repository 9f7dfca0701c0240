package io.sightline.edge.signals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sightline.edge.risk.AlertKind;
import io.sightline.edge.risk.RiskPolicy;
import io.sightline.edge.testdata.SafetyTestData;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class NpyAndComma2k19Test {

    /** Builds a v1 .npy file the way numpy.save does: header padded to 64 bytes, newline-terminated. */
    static byte[] npy(String header, double... values) {
        int prefix = 10;
        StringBuilder h = new StringBuilder(header);
        while ((prefix + h.length() + 1) % 64 != 0) {
            h.append(' ');
        }
        h.append('\n');
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        out.write(h.length() & 0xff);
        out.write(h.length() >> 8);
        out.writeBytes(h.toString().getBytes(StandardCharsets.ISO_8859_1));
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : values) {
            b.putDouble(v);
        }
        out.writeBytes(b.array());
        return out.toByteArray();
    }

    @Test
    void readsCOrderFloat64Matrices() throws Exception {
        Npy.Array a = Npy.parse(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", 1, 2, 3, 4, 5, Double.NaN),
                "m.npy");
        assertThat(a.shape()).containsExactly(2, 3);
        assertThat(a.get(1, 0)).isEqualTo(4.0);
        assertThat(a.get(0, 2)).isEqualTo(3.0);
        assertThat(a.get(1, 2)).isNaN();
        Npy.Array v = Npy.parse(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", 7, 8), "v.npy");
        assertThat(v.rows()).isEqualTo(2);
        assertThat(v.columns()).isEqualTo(1);
    }

    @Test
    void malformedFilesAreRefusedWithTheReason() {
        assertThatThrownBy(() -> Npy.parse("hello world, not numpy".getBytes(StandardCharsets.US_ASCII), "x"))
                .isInstanceOf(NpyFormatException.class).hasMessageContaining("magic");
        assertThatThrownBy(() -> Npy.parse(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", 1), "f4"))
                .hasMessageContaining("'<f4' is not supported");
        assertThatThrownBy(() -> Npy.parse(npy("{'descr': '>f8', 'fortran_order': False, 'shape': (1,), }", 1), "be"))
                .hasMessageContaining("'>f8'");
        assertThatThrownBy(() -> Npy.parse(npy("{'descr': '<f8', 'fortran_order': True, 'shape': (1,), }", 1), "fo"))
                .hasMessageContaining("fortran_order");
        assertThatThrownBy(() -> Npy.parse(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", 1, 2), "short"))
                .hasMessageContaining("needs 24 data bytes but the file has 16");
        assertThatThrownBy(() -> Npy.parse(npy("{'descr': '<f8', 'fortran_order': False, }", 1), "noshape"))
                .hasMessageContaining("'shape'");
        byte[] good = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", 1);
        good[8] = (byte) 0xff;
        assertThatThrownBy(() -> Npy.parse(good, "hdr")).hasMessageContaining("runs past the end");
    }

    @Test
    void realCommaLogHasTheDocumentedShapeAndSpeeds() throws Exception {
        Comma2k19Log log = Comma2k19Log.read(SafetyTestData.comma2k19Segment());
        assertThat(log.radarRows()).isEqualTo(10_100);
        assertThat(log.speedMps()).hasSize(4974);
        double min = Double.MAX_VALUE;
        double max = 0;
        for (double v : log.speedMps()) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        assertThat(min).isBetween(7.96, 7.98);
        assertThat(max).isBetween(19.83, 19.85);
    }

    @Test
    void sixtySecondsOfRealHighwayDrivingRaiseNoForwardCollisionWarning() throws Exception {
        Comma2k19Replay.Result r = Comma2k19Replay.replay(Comma2k19Log.read(SafetyTestData.comma2k19Segment()),
                RiskPolicy.defaults());
        assertThat(r.alerts(AlertKind.FORWARD_COLLISION)).as(r.alerts().toString()).isZero();
        assertThat(r.rejectedInputs()).isZero();
        // the policy really looked: thousands of assessments, in-path leads with a finite TTC
        assertThat(r.assessments()).isGreaterThan(10_000);
        assertThat(r.minInPathFcwTtcS()).isGreaterThan(RiskPolicy.defaults().forwardCollision().ttcRaiseS())
                .isLessThan(10);
        assertThat(r.minEgoSpeedMps()).isBetween(7.9, 8.0);
    }

    @Test
    void missingSegmentFailsClearly(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        assertThatThrownBy(() -> Comma2k19Log.read(tmp)).hasMessageContaining("processed_log/CAN");
        Path can = tmp.resolve("processed_log/CAN/speed");
        Files.createDirectories(can);
        Files.write(can.resolve("t"), npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", 0, 1));
        Files.write(can.resolve("value"), npy("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 1), }", 1, 2, 3));
        Files.createDirectories(tmp.resolve("processed_log/CAN/radar"));
        Files.write(tmp.resolve("processed_log/CAN/radar/t"), npy("{'descr': '<f8', 'fortran_order': False, 'shape': (0,), }"));
        Files.write(tmp.resolve("processed_log/CAN/radar/value"),
                npy("{'descr': '<f8', 'fortran_order': False, 'shape': (0, 7), }"));
        assertThatThrownBy(() -> Comma2k19Log.read(tmp)).hasMessageContaining("speed").hasMessageContaining("[2]");
    }
}
