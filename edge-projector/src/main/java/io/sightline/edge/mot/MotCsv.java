package io.sightline.edge.mot;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reader and writer for MOTChallenge CSV ({@code frame,id,x,y,w,h,conf,x3d,y3d,z3d}).
 *
 * <p>Fields may be separated by commas and/or whitespace, as py-motmetrics accepts. At least the
 * six box columns are required; a missing {@code conf} reads as 1 (ground truth without flags
 * counts). Blank lines are skipped. Frame and id must be whole numbers (MOT tools often print them
 * as {@code 1.0}); frames start at 1.
 */
public final class MotCsv {

    private MotCsv() {
    }

    /**
     * Reads every row of {@code file}.
     *
     * @throws MotFormatException naming the file, line and problem when a line is malformed
     * @throws IOException when the file cannot be read
     */
    public static List<MotRow> read(Path file) throws IOException {
        List<MotRow> rows = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int lineNumber = 0;
            while ((line = in.readLine()) != null) {
                lineNumber++;
                String trimmed = line.strip();
                if (trimmed.isEmpty()) {
                    continue;
                }
                rows.add(parseLine(file, lineNumber, trimmed));
            }
        }
        return rows;
    }

    static MotRow parseLine(Path file, int lineNumber, String line) {
        String[] fields = line.split("[,\\s]+");
        if (fields.length < 6) {
            throw new MotFormatException(file, lineNumber,
                    "expected at least 6 fields (frame,id,x,y,w,h), found " + fields.length
                            + " in '" + line + "'");
        }
        int frame = wholeNumber(file, lineNumber, fields[0], "frame");
        if (frame < 1) {
            throw new MotFormatException(file, lineNumber, "frame must be >= 1, found " + fields[0]);
        }
        int id = wholeNumber(file, lineNumber, fields[1], "id");
        double x = finite(file, lineNumber, fields[2], "x");
        double y = finite(file, lineNumber, fields[3], "y");
        double w = finite(file, lineNumber, fields[4], "width");
        double h = finite(file, lineNumber, fields[5], "height");
        if (w < 0 || h < 0) {
            throw new MotFormatException(file, lineNumber,
                    "negative box size " + fields[4] + "x" + fields[5]);
        }
        double conf = fields.length > 6 ? finite(file, lineNumber, fields[6], "conf") : 1.0;
        return new MotRow(frame, id, x, y, w, h, conf);
    }

    private static double finite(Path file, int lineNumber, String field, String name) {
        double v;
        try {
            v = Double.parseDouble(field);
        } catch (NumberFormatException e) {
            throw new MotFormatException(file, lineNumber, name + " is not a number: '" + field + "'");
        }
        if (!Double.isFinite(v)) {
            throw new MotFormatException(file, lineNumber, name + " is not finite: '" + field + "'");
        }
        return v;
    }

    private static int wholeNumber(Path file, int lineNumber, String field, String name) {
        double v = finite(file, lineNumber, field, name);
        if (v != Math.rint(v) || Math.abs(v) > Integer.MAX_VALUE) {
            throw new MotFormatException(file, lineNumber,
                    name + " must be a whole number: '" + field + "'");
        }
        return (int) v;
    }

    /** Writes rows as {@code frame,id,x,y,w,h,conf,-1,-1,-1}, the MOTChallenge result layout. */
    public static void write(Path file, List<MotRow> rows) throws IOException {
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            StringBuilder sb = new StringBuilder(96);
            for (MotRow r : rows) {
                sb.setLength(0);
                appendRow(sb, r);
                out.write(sb.toString());
            }
        }
    }

    static void appendRow(StringBuilder sb, MotRow r) {
        sb.append(r.frame()).append(',').append(r.id()).append(',');
        sb.append(format(r.xPx())).append(',').append(format(r.yPx())).append(',');
        sb.append(format(r.widthPx())).append(',').append(format(r.heightPx())).append(',');
        sb.append(format(r.conf())).append(",-1,-1,-1\n");
    }

    private static String format(double v) {
        // Two decimals keep sub-pixel precision well below IoU noise, in a stable locale.
        if (v == Math.rint(v)) {
            return Long.toString((long) v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }
}
