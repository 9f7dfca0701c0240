package io.sightline.cloud.security;

import java.util.List;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/**
 * A vehicle, authenticated by a request signed with its registered device key (ADR-0042). It holds the {@link Roles#DEVICE}
 * role only, the fleet its key was registered into and, when the key names one, the vehicle it is installed in: then it reads
 * that vehicle's assignment and artifacts only (V19); without one, those of its whole fleet (the compatibility path).
 */
public final class DeviceAuthentication extends AbstractAuthenticationToken {

    private final String deviceId;
    private final String fleetId;
    private final String vehicleId;

    public DeviceAuthentication(String deviceId, String fleetId) {
        this(deviceId, fleetId, null);
    }

    public DeviceAuthentication(String deviceId, String fleetId, String vehicleId) {
        super(List.of(new SimpleGrantedAuthority("ROLE_" + Roles.DEVICE)));
        this.deviceId = deviceId;
        this.fleetId = fleetId;
        this.vehicleId = vehicleId;
        setAuthenticated(true);
    }

    /** The vehicle this device's key is bound to, or null when the key is bound to its fleet only. */
    public String vehicleId() {
        return vehicleId;
    }

    /** Whether this device may read {@code fleet}/{@code vehicle}'s assignment: its own fleet, and its own vehicle when bound to one. */
    public boolean mayRead(String fleet, String vehicle) {
        return fleetId.equals(fleet) && (vehicleId == null || vehicleId.equals(vehicle));
    }

    public String deviceId() {
        return deviceId;
    }

    public String fleetId() {
        return fleetId;
    }

    @Override
    public Object getCredentials() {
        return "";
    }

    @Override
    public Object getPrincipal() {
        return deviceId;
    }

    @Override
    public String getName() {
        return "device:" + deviceId;
    }
}
