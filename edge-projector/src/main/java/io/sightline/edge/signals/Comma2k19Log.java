package io.sightline.edge.signals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The parts of a comma2k19 segment the safety core uses: CAN vehicle speed and the radar's tracked
 * points. Layout (repo {@code commaai/comma2k19}, {@code processed_log/CAN/...}): each signal is a
 * directory with {@code t} (seconds, boot clock) and {@code value}, both .npy without extension.
 *
 * <ul>
 *   <li>{@code speed/value}: N×1, m/s.</li>
 *   <li>{@code radar/value}: N×7 rows: forward distance (m), lateral (m, positive LEFT, the
 *       openpilot convention), relative speed (m/s, lead minus ego: negative when closing), two
 *       unused columns (NaN), the radar message address (a track slot) and the new-track flag.</li>
 * </ul>
 */
public record Comma2k19Log(double[] speedTimeS, double[] speedMps, double[] radarTimeS, Npy.Array radar) {

    public static final int RADAR_COLUMNS = 7;
    public static final int COL_DISTANCE_M = 0;
    public static final int COL_LATERAL_LEFT_M = 1;
    public static final int COL_RELATIVE_SPEED_MPS = 2;
    public static final int COL_ADDRESS = 5;
    public static final int COL_NEW_TRACK = 6;

    /** Reads {@code processed_log/CAN/speed} and {@code processed_log/CAN/radar} under the segment directory. */
    public static Comma2k19Log read(Path segmentDir) throws IOException, NpyFormatException {
        Path can = segmentDir.resolve("processed_log/CAN");
        if (!Files.isDirectory(can)) {
            throw new NoSuchFileException(can.toString(), null,
                    "not a comma2k19 segment: no processed_log/CAN directory under " + segmentDir);
        }
        Npy.Array speedT = Npy.read(can.resolve("speed/t"));
        Npy.Array speed = Npy.read(can.resolve("speed/value"));
        Npy.Array radarT = Npy.read(can.resolve("radar/t"));
        Npy.Array radar = Npy.read(can.resolve("radar/value"));
        if (speed.rows() != speedT.rows() || speed.columns() != 1 || speedT.columns() != 1) {
            throw new NpyFormatException(can.resolve("speed") + ": t has shape " + shape(speedT) + " and value "
                    + shape(speed) + "; expected N and N×1");
        }
        if (radar.shape().length != 2 || radar.columns() != RADAR_COLUMNS || radar.rows() != radarT.rows()
                || radarT.columns() != 1) {
            throw new NpyFormatException(can.resolve("radar") + ": t has shape " + shape(radarT) + " and value "
                    + shape(radar) + "; expected N and N×" + RADAR_COLUMNS);
        }
        return new Comma2k19Log(speedT.values(), speed.values(), radarT.values(), radar);
    }

    private static String shape(Npy.Array a) {
        return java.util.Arrays.toString(a.shape());
    }

    public int radarRows() {
        return radar.rows();
    }
}
