package io.sightline.cloud.evidence;

/**
 * Reads the pixel size from a JPEG's frame header (SOF0…SOF15, except DHT/JPG/DAC), walking the
 * marker segments from SOI. Enough to refuse a body that is not a JPEG and to tell the UI the
 * picture's size without decoding it.
 */
record JpegHeader(int widthPx, int heightPx) {

    /** The header, or null when {@code bytes} is not a baseline/progressive JPEG with a frame header. */
    static JpegHeader read(byte[] bytes) {
        if (bytes.length < 4 || (bytes[0] & 0xFF) != 0xFF || (bytes[1] & 0xFF) != 0xD8) {
            return null;
        }
        int i = 2;
        while (i + 4 <= bytes.length) {
            if ((bytes[i] & 0xFF) != 0xFF) {
                return null;
            }
            int marker = bytes[i + 1] & 0xFF;
            if (marker == 0xFF) {
                i++;
                continue;
            }
            if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
                i += 2;
                continue;
            }
            if (marker == 0xD9 || marker == 0xDA) {
                // End of image or start of scan before any frame header.
                return null;
            }
            int length = ((bytes[i + 2] & 0xFF) << 8) | (bytes[i + 3] & 0xFF);
            if (length < 2 || i + 2 + length > bytes.length) {
                return null;
            }
            boolean frameHeader = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (frameHeader) {
                if (length < 7) {
                    return null;
                }
                int height = ((bytes[i + 5] & 0xFF) << 8) | (bytes[i + 6] & 0xFF);
                int width = ((bytes[i + 7] & 0xFF) << 8) | (bytes[i + 8] & 0xFF);
                return width > 0 && height > 0 ? new JpegHeader(width, height) : null;
            }
            i += 2 + length;
        }
        return null;
    }
}
