package io.sightline.domain.event;

/**
 * One named factor of a risk rule, with everything needed to say how close it was to flipping.
 *
 * @param name       e.g. {@code fcw.ttc}: a {@code io.sightline.domain.risk.Factor} key
 * @param value      the measured value, in {@code unit}
 * @param unit       e.g. {@code s}, {@code m}, {@code m/s}, {@code bool}
 * @param comparison {@code <}, {@code <=}, {@code >}, {@code >=}: the factor triggers when
 *                   {@code value comparison threshold}
 * @param threshold  the policy threshold, in {@code unit}
 * @param margin     signed distance to flipping, in {@code unit}: positive means triggered
 * @param triggered  whether the factor's condition held
 */
public record RiskFactor(
        String name,
        double value,
        String unit,
        String comparison,
        double threshold,
        double margin,
        boolean triggered) {
}
