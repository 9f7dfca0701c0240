package io.sightline.domain.rollout;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;

/**
 * Cohorts by a stable hash of the vehicle id ({@code sha256-v1}): vehicles are ordered by the
 * lower-case hex sha256 of {@code "sightline-cohort-v1/" + vehicleId} (UTF-8), ties by id, and a step
 * of share p takes the first ceil(p / 100 × n) of them. The order depends on nothing but the id, so
 * a vehicle's place never changes between steps, rollouts or restarts, cohorts of growing shares
 * contain one another, and any share above 0 has at least one vehicle.
 */
public final class RolloutCohorts {

    public static final String HASH = "sha256-v1";
    private static final String SALT = "sightline-cohort-v1/";

    private RolloutCohorts() {
    }

    public static String hashOf(String vehicleId) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest((SALT + vehicleId).getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }

    public static List<String> order(List<String> vehicleIds) {
        return vehicleIds.stream().distinct()
                .sorted(Comparator.comparing(RolloutCohorts::hashOf).thenComparing(Comparator.naturalOrder())).toList();
    }

    public static int size(int vehicles, double sharePercent) {
        if (sharePercent >= 100) {
            return vehicles;
        }
        // The share is a decimal the plan states; 1e-9 keeps 10 % of 30 at 3 rather than 4 from binary rounding.
        return Math.min(vehicles, Math.max(vehicles == 0 ? 0 : 1, (int) Math.ceil(sharePercent / 100.0 * vehicles - 1e-9)));
    }

    /** The first vehicles of an ordered population for a share. */
    public static List<String> cohort(List<String> ordered, double sharePercent) {
        return ordered.subList(0, size(ordered.size(), sharePercent));
    }
}
