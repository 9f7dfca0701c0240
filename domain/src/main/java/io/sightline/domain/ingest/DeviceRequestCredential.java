package io.sightline.domain.ingest;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A vehicle's credential for its reads of the cloud (its assignment, the registry's artifacts): the request signed with
 * the device's Ed25519 key, the same key its batches and evidence are signed with (ADR-0042). The edge and the cloud
 * both build the signed bytes here, so they cannot drift apart.
 *
 * <p>The header: {@code Authorization: Sightline-Device device="<id, percent-encoded>", time="<epoch s>",
 * signature="<base64url Ed25519>"}. What is signed: {@link #CONTEXT}, the device id, the method, the raw path and query
 * as sent, and the time, one per line. The context string keeps a request signature from ever passing as a batch or
 * evidence signature, or the reverse; the time bounds how long a captured header can be replayed
 * ({@link #MAX_CLOCK_SKEW_SECONDS}), and only for the same read.
 *
 * @param signature the Ed25519 signature over {@link #signedBytes}
 */
public record DeviceRequestCredential(String deviceId, long epochSeconds, byte[] signature) {

    public static final String SCHEME = "Sightline-Device";
    /** Never change it: every deployed vehicle signs with it. A new form of request signature takes a new context. */
    public static final String CONTEXT = "sightline-device-request-v1";
    /**
     * How far a request's time may be from the cloud's clock, either way: a vehicle's clock is set by GNSS or NTP to well
     * under a second, and five minutes tolerates a vehicle that has not synchronised since it woke.
     */
    public static final long MAX_CLOCK_SKEW_SECONDS = 300;

    private static final Pattern HEADER = Pattern.compile(
            "(?i:" + SCHEME + ")\\s+device=\"([^\"]{1,800})\",\\s*time=\"(-?[0-9]{1,19})\",\\s*signature=\"([A-Za-z0-9_-]{1,200}={0,2})\"\\s*");

    public DeviceRequestCredential {
        if (deviceId == null || deviceId.isBlank() || deviceId.length() > 255) {
            throw new IllegalArgumentException("device id must be 1..255 characters");
        }
        signature = signature.clone();
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }

    /** The bytes a device signs for {@code method pathAndQuery} at {@code epochSeconds}. */
    public static byte[] signedBytes(String deviceId, String method, String pathAndQuery, long epochSeconds) {
        return (CONTEXT + "\n" + deviceId + "\n" + method + "\n" + pathAndQuery + "\n" + epochSeconds).getBytes(StandardCharsets.UTF_8);
    }

    /** True when the header names this scheme, whether or not it is well formed. */
    public static boolean isDeviceScheme(String authorization) {
        return authorization != null && authorization.regionMatches(true, 0, SCHEME + " ", 0, SCHEME.length() + 1);
    }

    /**
     * Reads the header.
     *
     * @throws IllegalArgumentException naming what is wrong with it
     */
    public static DeviceRequestCredential parse(String authorization) {
        Matcher m = HEADER.matcher(authorization == null ? "" : authorization);
        if (!m.matches()) {
            throw new IllegalArgumentException("a " + SCHEME + " credential must read " + SCHEME
                    + " device=\"ID\", time=\"EPOCH_SECONDS\", signature=\"BASE64URL\"");
        }
        byte[] signature;
        try {
            signature = Base64.getUrlDecoder().decode(m.group(3));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the " + SCHEME + " signature is not base64url: " + e.getMessage());
        }
        long time;
        try {
            time = Long.parseLong(m.group(2));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the " + SCHEME + " time is not a number of seconds: " + m.group(2));
        }
        return new DeviceRequestCredential(URLDecoder.decode(m.group(1), StandardCharsets.UTF_8), time, signature);
    }

    /** The header's value. */
    public String header() {
        return SCHEME + " device=\"" + URLEncoder.encode(deviceId, StandardCharsets.UTF_8) + "\", time=\"" + epochSeconds
                + "\", signature=\"" + Base64.getUrlEncoder().withoutPadding().encodeToString(signature) + "\"";
    }

    /** Seconds between the request's time and {@code nowEpochSeconds}, when more than the allowed skew; else 0. */
    public long skewBeyondLimitSeconds(long nowEpochSeconds) {
        long skew = Math.abs(nowEpochSeconds - epochSeconds);
        return skew > MAX_CLOCK_SKEW_SECONDS ? skew : 0;
    }
}
