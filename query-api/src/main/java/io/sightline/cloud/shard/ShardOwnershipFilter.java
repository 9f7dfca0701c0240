package io.sightline.cloud.shard;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sightline.cloud.security.Roles;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Optional;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * A shard serves only its own fleets (ADR-0031). Runs after the bearer token is verified: the
 * token's fleet decides; a device's upload, which carries no token, is decided by the
 * {@value #FLEET_HEADER} header the router sets from the {@code /fleets/{fleet}} prefix of the
 * vehicle's cloud URL. Another shard's fleet gets 421 naming that shard, a fleet being moved gets
 * 503 with {@code Retry-After}, and controllers never hear of either.
 */
public final class ShardOwnershipFilter extends OncePerRequestFilter {

    /** The fleet a token-less request (a device's batch or evidence) is for, as the router forwards it. */
    public static final String FLEET_HEADER = "Sightline-Fleet";
    /** RFC 9110 §15.5.20: the request reached a server that cannot answer for it. */
    public static final int MISDIRECTED = 421;

    private final ShardOwnership ownership;
    private final ObjectMapper json = new ObjectMapper();

    public ShardOwnershipFilter(ShardOwnership ownership) {
        this.ownership = ownership;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String fleet = fleetOf(request);
        if (fleet == null) {
            chain.doFilter(request, response);
            return;
        }
        switch (ownership.verdict(fleet)) {
            case OWNED -> chain.doFilter(request, response);
            case FROZEN -> {
                response.setHeader("Retry-After", "1");
                write(response, HttpServletResponse.SC_SERVICE_UNAVAILABLE, "Fleet moving", "FLEET_MOVING",
                        "fleet " + fleet + " is being moved between shards; send the request again shortly", fleet, Optional.empty());
            }
            default -> {
                Optional<ShardMap.Shard> owner = ownership.map().shardOf(fleet);
                write(response, MISDIRECTED, "Misdirected Request", "WRONG_SHARD", owner
                        .map(s -> "fleet " + fleet + " is served by shard " + s.id() + " (" + s.url() + "), not by shard "
                                + ownership.shardId() + "; send requests through the router")
                        .orElse("fleet " + fleet + " is on no shard of the map; ask an operator to place it"), fleet, owner);
            }
        }
    }

    private static String fleetOf(HttpServletRequest request) {
        Authentication auth = SecurityContextHolder.getContext().getAuthentication();
        if (auth instanceof io.sightline.cloud.security.DeviceAuthentication device) {
            return device.fleetId();
        }
        if (auth instanceof JwtAuthenticationToken token) {
            String fleet = token.getToken().getClaimAsString(Roles.FLEET_CLAIM);
            // A token without a fleet is refused by FleetScope where a fleet matters; nothing to route here.
            return fleet == null || fleet.isBlank() ? null : fleet;
        }
        String header = request.getHeader(FLEET_HEADER);
        return header == null || header.isBlank() ? null : header.trim();
    }

    private void write(HttpServletResponse response, int status, String title, String reason, String detail, String fleet,
                       Optional<ShardMap.Shard> owner) throws IOException {
        ObjectNode body = json.createObjectNode();
        body.put("type", "about:blank");
        body.put("title", title);
        body.put("status", status);
        body.put("detail", detail);
        body.put("reason", reason);
        body.put("fleetId", fleet);
        body.put("thisShard", ownership.shardId());
        owner.ifPresent(s -> {
            body.put("shard", s.id());
            body.put("shardUrl", s.url().toString());
        });
        response.setStatus(status);
        response.setContentType("application/problem+json");
        response.setCharacterEncoding("UTF-8");
        response.getOutputStream().write(json.writeValueAsBytes(body));
    }
}
