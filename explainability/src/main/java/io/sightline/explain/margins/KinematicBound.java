package io.sightline.explain.margins;

/**
 * For a TTC factor: the value one kinematic quantity would have needed, the others as recorded,
 * for the TTC to cross its threshold.
 *
 * @param quantity    {@code closingSpeedMps}, {@code rangeM} or {@code relativeAccelMps2} (unit in the name)
 * @param recorded    the recorded value
 * @param boundary    the value at which TTC equals the threshold
 * @param comparison  the decision flips when {@code quantity comparison boundary}, e.g. "<" for
 *                    "closing speed below 7.2 m/s"
 * @param changeNeeded boundary − recorded, in the quantity's unit
 * @param statement   in words
 */
public record KinematicBound(String quantity, String unit, double recorded, double boundary, String comparison,
                             double changeNeeded, String statement) {
}
