package io.sightline.domain.event;

import java.nio.charset.StandardCharsets;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Deterministic event ids (ADR-0017): a name-based UUID (RFC 4122 version 3, the same bytes as
 * {@link java.util.UUID#nameUUIDFromBytes}) over {@code scope + "/" + kind + "/" + part}, where
 * the scope is the session id, or the id of the input the event was derived from (a frame's id for
 * its detections), the kind is the event type and the part tells apart the events of one kind in
 * that scope (a frame index, a detection's position in its frame, a stage, a model role).
 *
 * <p>Nothing random and nothing that depends on which thread ran first goes in, so the same
 * session over the same inputs gives the same ids; and since the scope always leads back to the
 * session id, ids stay unique across sessions (Axon's {@code event_identifier} is unique store-wide).
 *
 * <p>Cheap enough for the per-detection hot path: one MD5 digest per id with a per-thread digest
 * and buffers, and the id string itself.
 */
public final class EventIds {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private static final class Scratch {
        final MessageDigest md5;
        final byte[] hash = new byte[16];
        final char[] out = new char[36];
        byte[] name = new byte[256];

        Scratch() {
            try {
                md5 = MessageDigest.getInstance("MD5");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("MD5 is required of every Java platform", e);
            }
        }
    }

    private EventIds() {
    }

    /** The id of the event of type {@code kind} named {@code part} within {@code scope}. */
    public static String of(String scope, String kind, String part) {
        requireScope(scope);
        Scratch s = SCRATCH.get();
        int n = 0;
        n = put(s, n, scope);
        n = put(s, n, "/");
        n = put(s, n, kind);
        n = put(s, n, "/");
        n = put(s, n, part);
        return digest(s, n);
    }

    /** As {@link #of(String, String, String)} with a number as the part, without formatting it to a String first. */
    public static String of(String scope, String kind, long part) {
        requireScope(scope);
        Scratch s = SCRATCH.get();
        int n = 0;
        n = put(s, n, scope);
        n = put(s, n, "/");
        n = put(s, n, kind);
        n = put(s, n, "/");
        n = putLong(s, n, part);
        return digest(s, n);
    }

    /** A frame's {@code FrameCaptured} id (also its {@code frameId}): the session and the frame's index in the source. */
    public static String frame(String sessionId, long frameIndex) {
        return of(sessionId, "FrameCaptured", frameIndex);
    }

    /** The {@code DetectionObserved} at position {@code index} of the detector's output for a frame. */
    public static String detection(String frameId, int index) {
        return of(frameId, "DetectionObserved", index);
    }

    private static void requireScope(String scope) {
        if (scope == null || scope.isEmpty()) {
            throw new IllegalArgumentException("an event id needs a scope (the session id or an input's id)");
        }
    }

    private static int put(Scratch s, int at, String text) {
        int len = text.length();
        // Worst case 3 UTF-8 bytes per char (surrogate pairs take 4 for 2 chars).
        ensure(s, at + 3 * len);
        byte[] b = s.name;
        for (int i = 0; i < len; i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                b[at++] = (byte) c;
            } else {
                byte[] enc = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                if (Character.isHighSurrogate(c) && i + 1 < len) {
                    enc = text.substring(i, i + 2).getBytes(StandardCharsets.UTF_8);
                    i++;
                }
                System.arraycopy(enc, 0, b, at, enc.length);
                at += enc.length;
            }
        }
        return at;
    }

    private static int putLong(Scratch s, int at, long v) {
        ensure(s, at + 20);
        byte[] b = s.name;
        if (v == Long.MIN_VALUE) {
            return put(s, at, Long.toString(v));
        }
        if (v < 0) {
            b[at++] = '-';
            v = -v;
        }
        int start = at;
        do {
            b[at++] = (byte) ('0' + (v % 10));
            v /= 10;
        } while (v != 0);
        for (int i = start, j = at - 1; i < j; i++, j--) {
            byte t = b[i];
            b[i] = b[j];
            b[j] = t;
        }
        return at;
    }

    private static void ensure(Scratch s, int size) {
        if (size > s.name.length) {
            s.name = java.util.Arrays.copyOf(s.name, Math.max(size, 2 * s.name.length));
        }
    }

    private static String digest(Scratch s, int n) {
        MessageDigest md = s.md5;
        md.reset();
        md.update(s.name, 0, n);
        byte[] h = s.hash;
        try {
            md.digest(h, 0, 16);
        } catch (DigestException e) {
            throw new IllegalStateException(e);
        }
        h[6] = (byte) ((h[6] & 0x0f) | 0x30); // version 3, name-based (MD5)
        h[8] = (byte) ((h[8] & 0x3f) | 0x80); // IETF variant
        char[] out = s.out;
        int o = 0;
        for (int i = 0; i < 16; i++) {
            if (i == 4 || i == 6 || i == 8 || i == 10) {
                out[o++] = '-';
            }
            out[o++] = HEX[(h[i] >> 4) & 0xf];
            out[o++] = HEX[h[i] & 0xf];
        }
        return new String(out);
    }
}
