package io.sightline.domain.event;

import org.axonframework.serialization.Revision;

/**
 * Ego vehicle state from CAN/IMU/GNSS. Optional signals are {@code null} when the source lacks them.
 *
 * @param source e.g. {@code can}, {@code simulation}, {@code comma2k19}
 */
@Revision("1")
public record VehicleStateSampled(
        long sampleTimeNanos,
        double egoSpeedMps,
        Double yawRateRadps,
        Double longitudinalAccelMps2,
        Double latitudeDeg,
        Double longitudeDeg,
        String source) implements SightlineEvent {
}
