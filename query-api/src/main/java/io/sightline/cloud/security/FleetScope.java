package io.sightline.cloud.security;

import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;

/**
 * The fleet a caller may see, from the token's {@code fleet} claim. Every query, stream and export
 * filters by it, and a resource of another fleet is answered as not found, so its existence leaks
 * nothing.
 */
public record FleetScope(String fleetId) {

    public static FleetScope of(Authentication authentication) {
        if (authentication instanceof DeviceAuthentication device) {
            return new FleetScope(device.fleetId());
        }
        if (authentication instanceof JwtAuthenticationToken token) {
            Jwt jwt = token.getToken();
            String fleet = jwt.getClaimAsString(Roles.FLEET_CLAIM);
            if (fleet != null && !fleet.isBlank()) {
                return new FleetScope(fleet);
            }
        }
        throw new org.springframework.security.access.AccessDeniedException(
                "the token carries no '" + Roles.FLEET_CLAIM + "' claim; ask for a token scoped to a fleet");
    }

    public boolean allows(String otherFleetId) {
        return fleetId.equals(otherFleetId);
    }
}
