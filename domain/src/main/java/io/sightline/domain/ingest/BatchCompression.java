package io.sightline.domain.ingest;

import java.io.ByteArrayOutputStream;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * A batch body may travel as a zlib (RFC 1950) stream of its JSON (ADR-0027): event JSON
 * compresses about 4.5 times. The cloud tells the two apart by the first byte, since a JSON body
 * starts with '{' and a zlib stream with a header whose check bits make (CMF·256 + FLG) a multiple
 * of 31; so MQTT, which carries no headers, needs no flag, and an edge that sends JSON is read as
 * before. The signature is unchanged: it covers the events JSON inside, which the cloud verifies
 * after inflating, so compression grants nothing a signature does not.
 */
public final class BatchCompression {

    private BatchCompression() {
    }

    public static byte[] deflate(byte[] json) {
        Deflater deflater = new Deflater(6);
        try {
            deflater.setInput(json);
            deflater.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, json.length / 4));
            byte[] buf = new byte[64 * 1024];
            while (!deflater.finished()) {
                out.write(buf, 0, deflater.deflate(buf));
            }
            return out.toByteArray();
        } finally {
            deflater.end();
        }
    }

    public static boolean isDeflated(byte[] body) {
        return body.length >= 2 && (body[0] & 0x0f) == 8 && ((body[0] & 0xff) << 8 | (body[1] & 0xff)) % 31 == 0;
    }

    /**
     * @throws IllegalArgumentException when the stream is corrupt or inflates past {@code maxBytes}
     *                                  (a small body must not become a huge one in memory)
     */
    public static byte[] inflate(byte[] body, long maxBytes) {
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(body);
            ByteArrayOutputStream out = new ByteArrayOutputStream(body.length * 4);
            byte[] buf = new byte[64 * 1024];
            while (!inflater.finished()) {
                int n = inflater.inflate(buf);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    throw new IllegalArgumentException("the deflated batch body ends early");
                }
                if (out.size() + n > maxBytes) {
                    throw new IllegalArgumentException("the deflated batch body inflates past the " + maxBytes + "-byte request limit");
                }
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } catch (DataFormatException e) {
            throw new IllegalArgumentException("the batch body is neither JSON nor a valid zlib stream: " + e.getMessage(), e);
        } finally {
            inflater.end();
        }
    }
}
