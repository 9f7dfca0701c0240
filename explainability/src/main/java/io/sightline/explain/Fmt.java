package io.sightline.explain;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** Number formatting shared by summaries, narratives and margins, so the same value reads the same everywhere. */
public final class Fmt {

    private Fmt() {
    }

    /**
     * At most two decimals, trailing zeros dropped: a 2.78 m/s gate must not read as 2.8 next to a
     * 2.79 m/s speed, and 2.10 s reads as 2.1 s.
     */
    public static String num(double v) {
        if (!Double.isFinite(v)) {
            return Double.toString(v);
        }
        BigDecimal d = BigDecimal.valueOf(v).setScale(2, RoundingMode.HALF_UP).stripTrailingZeros();
        if (d.signum() == 0) {
            return "0";
        }
        return d.toPlainString();
    }

    /** Seconds from nanoseconds, at most two decimals. */
    public static String seconds(long nanos) {
        return num(nanos / 1e9);
    }

    /**
     * A frame's capture time is the container's timestamp for a file (seconds into it) and the
     * capture wall clock for a live source (nanoseconds since the epoch, FrameSource). No recording
     * runs for three years, so a time beyond 10^17 ns is a wall-clock instant.
     */
    public static final long WALL_CLOCK_FROM_NANOS = 100_000_000_000_000_000L;

    /** "10.4 s into the source" for a file, "captured 2026-11-27T20:41:33.123Z" for a live source. */
    public static String frameTime(long captureTimeNanos) {
        if (captureTimeNanos >= WALL_CLOCK_FROM_NANOS) {
            return "captured " + java.time.Instant.ofEpochSecond(0, captureTimeNanos).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        }
        return seconds(captureTimeNanos) + " s into the source";
    }

    /** The first 4 hex digits of a hash and an ellipsis, as people quote it. */
    public static String shortSha(String sha256) {
        return sha256 == null ? "?" : sha256.length() <= 4 ? sha256 : sha256.substring(0, 4) + "…";
    }

    /** Unicode comparison signs for prose. */
    public static String sign(String comparison) {
        return switch (comparison) {
            case "<=" -> "≤";
            case ">=" -> "≥";
            default -> comparison;
        };
    }

    /** The comparison that holds exactly when {@code comparison} does not. */
    public static String negate(String comparison) {
        return switch (comparison) {
            case "<" -> ">=";
            case "<=" -> ">";
            case ">" -> "<=";
            case ">=" -> "<";
            default -> throw new IllegalArgumentException("unknown comparison " + comparison);
        };
    }

    /** Whether {@code value comparison threshold} holds. */
    public static boolean holds(double value, String comparison, double threshold) {
        return switch (comparison) {
            case "<" -> value < threshold;
            case "<=" -> value <= threshold;
            case ">" -> value > threshold;
            case ">=" -> value >= threshold;
            default -> throw new IllegalArgumentException("unknown comparison " + comparison);
        };
    }

    /** Signed distance to flipping in the value's unit, positive when the condition holds (as RiskFactor.margin). */
    public static double margin(double value, String comparison, double threshold) {
        double diff = value - threshold;
        return comparison.charAt(0) == '<' ? -diff : diff;
    }
}
