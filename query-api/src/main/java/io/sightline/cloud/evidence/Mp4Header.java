package io.sightline.cloud.evidence;

/**
 * The picture size of an MP4 evidence clip (ADR-0037), from its first video track's {@code tkhd}
 * box, walking the boxes from {@code ftyp} through {@code moov/trak}. Enough to refuse a body that
 * is not an MP4 with its index (a clip cut short before its {@code moov}) and to tell the UI the
 * video's size without decoding it.
 */
record Mp4Header(int widthPx, int heightPx) {

    /** The header, or null when {@code bytes} is not an MP4 starting with {@code ftyp} with a track of non-zero size. */
    static Mp4Header read(byte[] bytes) {
        if (bytes.length < 8 || !type(bytes, 4, "ftyp")) {
            return null;
        }
        return walk(bytes, 0, bytes.length);
    }

    private static Mp4Header walk(byte[] b, int from, int to) {
        int i = from;
        while (i + 8 <= to) {
            long size = u32(b, i);
            int header = 8;
            if (size == 1) {
                if (i + 16 > to) {
                    return null;
                }
                size = (u32(b, i + 8) << 32) | u32(b, i + 12);
                header = 16;
            } else if (size == 0) {
                size = to - i;
            }
            if (size < header || i + size > to) {
                return null;
            }
            int end = (int) (i + size);
            if (type(b, i + 4, "moov") || type(b, i + 4, "trak")) {
                Mp4Header h = walk(b, i + header, end);
                if (h != null) {
                    return h;
                }
            } else if (type(b, i + 4, "tkhd")) {
                int p = i + header;
                int version = b[p] & 0xFF;
                // version, flags; times, track id, reserved, duration; reserved, layer, group, volume, reserved; matrix
                int widthAt = p + 4 + (version == 1 ? 32 : 20) + 8 + 8 + 36;
                if (widthAt + 8 <= end) {
                    int w = (int) (u32(b, widthAt) >>> 16);
                    int h = (int) (u32(b, widthAt + 4) >>> 16);
                    if (w > 0 && h > 0) {
                        return new Mp4Header(w, h);
                    }
                }
            }
            i = end;
        }
        return null;
    }

    private static long u32(byte[] b, int i) {
        return ((b[i] & 0xFFL) << 24) | ((b[i + 1] & 0xFFL) << 16) | ((b[i + 2] & 0xFFL) << 8) | (b[i + 3] & 0xFFL);
    }

    private static boolean type(byte[] b, int i, String t) {
        return b[i] == t.charAt(0) && b[i + 1] == t.charAt(1) && b[i + 2] == t.charAt(2) && b[i + 3] == t.charAt(3);
    }
}
