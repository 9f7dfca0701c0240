package io.sightline.cloud.security;

import java.util.List;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/**
 * A vehicle, authenticated by a request signed with its registered device key (ADR-0042). It holds the {@link Roles#DEVICE}
 * role only, and the fleet its key was registered into.
 */
public final class DeviceAuthentication extends AbstractAuthenticationToken {

    private final String deviceId;
    private final String fleetId;

    public DeviceAuthentication(String deviceId, String fleetId) {
        super(List.of(new SimpleGrantedAuthority("ROLE_" + Roles.DEVICE)));
        this.deviceId = deviceId;
        this.fleetId = fleetId;
        setAuthenticated(true);
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
