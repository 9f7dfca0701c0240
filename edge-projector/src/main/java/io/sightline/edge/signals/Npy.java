package io.sightline.edge.signals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Minimal reader of NumPy {@code .npy} files (format versions 1.0, 2.0 and 3.0) holding
 * little-endian float64 ({@code '<f8'}) arrays in C order, which is what comma2k19 stores. Anything
 * else (other dtypes, Fortran order, truncated data, a bad header) is refused with a message that
 * names the file and the problem, never misread.
 *
 * <p>Format: magic {@code \x93NUMPY}, major and minor version bytes, header length (2 bytes LE in
 * v1, 4 bytes LE in v2/v3), then an ASCII (v3: UTF-8) Python dict literal
 * {@code {'descr': '<f8', 'fortran_order': False, 'shape': (N, M), }} padded with spaces to a
 * 64-byte boundary and ending in a newline; the raw data follows.
 */
public final class Npy {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    /** A float64 array: values in C order and the shape. */
    public record Array(double[] values, int[] shape) {

        public int rows() {
            return shape.length == 0 ? 1 : shape[0];
        }

        /** Product of the dimensions after the first (1 for a vector). */
        public int columns() {
            int c = 1;
            for (int i = 1; i < shape.length; i++) {
                c *= shape[i];
            }
            return c;
        }

        public double get(int row, int column) {
            return values[row * columns() + column];
        }
    }

    private Npy() {
    }

    public static Array read(Path file) throws IOException, NpyFormatException {
        return parse(Files.readAllBytes(file), file.toString());
    }

    public static Array parse(byte[] bytes, String source) throws NpyFormatException {
        if (bytes.length < MAGIC.length + 4) {
            throw new NpyFormatException(source + ": too short for a .npy file (" + bytes.length + " bytes)");
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (bytes[i] != MAGIC[i]) {
                throw new NpyFormatException(source + ": not a .npy file (missing the \\x93NUMPY magic)");
            }
        }
        int major = bytes[6] & 0xff;
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long headerLen;
        int headerStart;
        if (major == 1) {
            headerLen = bb.getShort(8) & 0xffff;
            headerStart = 10;
        } else if (major == 2 || major == 3) {
            if (bytes.length < 12) {
                throw new NpyFormatException(source + ": truncated header length");
            }
            headerLen = bb.getInt(8) & 0xffffffffL;
            headerStart = 12;
        } else {
            throw new NpyFormatException(source + ": unsupported .npy format version " + major + "." + (bytes[7] & 0xff));
        }
        if (headerStart + headerLen > bytes.length) {
            throw new NpyFormatException(source + ": header length " + headerLen + " runs past the end of the file");
        }
        String header = new String(bytes, headerStart, (int) headerLen,
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1).strip();
        if (!header.startsWith("{") || !header.endsWith("}")) {
            throw new NpyFormatException(source + ": header is not a dict literal: " + header);
        }
        String descr = group(DESCR, header, source, "descr");
        if (!descr.equals("<f8")) {
            throw new NpyFormatException(source + ": dtype '" + descr + "' is not supported (only '<f8', little-endian float64)");
        }
        if (!group(FORTRAN, header, source, "fortran_order").equals("False")) {
            throw new NpyFormatException(source + ": fortran_order True is not supported (only C order)");
        }
        int[] shape = shape(group(SHAPE, header, source, "shape"), source);
        long count = 1;
        for (int d : shape) {
            count *= d;
        }
        int dataStart = headerStart + (int) headerLen;
        long expected = count * Double.BYTES;
        long actual = bytes.length - dataStart;
        if (actual != expected) {
            throw new NpyFormatException(source + ": shape " + java.util.Arrays.toString(shape) + " needs " + expected
                    + " data bytes but the file has " + actual);
        }
        double[] values = new double[(int) count];
        bb.position(dataStart);
        bb.asDoubleBuffer().get(values);
        return new Array(values, shape);
    }

    private static String group(Pattern p, String header, String source, String key) throws NpyFormatException {
        Matcher m = p.matcher(header);
        if (!m.find()) {
            throw new NpyFormatException(source + ": header has no valid '" + key + "' entry: " + header);
        }
        return m.group(1);
    }

    private static int[] shape(String text, String source) throws NpyFormatException {
        List<Integer> dims = new ArrayList<>();
        for (String part : text.split(",")) {
            String s = part.strip();
            if (s.isEmpty()) {
                continue;
            }
            try {
                int d = Integer.parseInt(s);
                if (d < 0) {
                    throw new NumberFormatException();
                }
                dims.add(d);
            } catch (NumberFormatException e) {
                throw new NpyFormatException(source + ": bad dimension '" + s + "' in shape (" + text + ")");
            }
        }
        long count = 1;
        for (int d : dims) {
            count *= d;
            if (count * Double.BYTES > Integer.MAX_VALUE) {
                throw new NpyFormatException(source + ": array of shape (" + text + ") is too large for this reader");
            }
        }
        return dims.stream().mapToInt(Integer::intValue).toArray();
    }
}
