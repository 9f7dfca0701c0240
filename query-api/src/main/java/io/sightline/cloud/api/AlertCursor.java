package io.sightline.cloud.api;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Keyset position in the alert list, newest first: the last row of a page, so the next page is
 * "strictly older than this" and stays correct while new alerts arrive (an offset would shift).
 * Opaque to clients (base64url) so its layout can change; {@value #VERSION} names this layout.
 */
public record AlertCursor(long raisedAtNanos, String alertId) {

    static final String VERSION = "a1";
    private static final String MALFORMED = "cursor is malformed; pass the nextCursor of a previous page unchanged";

    public String encode() {
        String plain = VERSION + "|" + raisedAtNanos + "|" + alertId;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(plain.getBytes(StandardCharsets.UTF_8));
    }

    /** @throws IllegalArgumentException (answered as 400) for anything this class did not encode */
    public static AlertCursor decode(String cursor) {
        String plain;
        try {
            plain = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(MALFORMED);
        }
        // The alert id is last and may itself contain '|': split into three parts only.
        String[] parts = plain.split("\\|", 3);
        if (parts.length != 3 || !VERSION.equals(parts[0]) || parts[2].isEmpty()) {
            throw new IllegalArgumentException(MALFORMED);
        }
        try {
            return new AlertCursor(Long.parseLong(parts[1]), parts[2]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(MALFORMED);
        }
    }
}
