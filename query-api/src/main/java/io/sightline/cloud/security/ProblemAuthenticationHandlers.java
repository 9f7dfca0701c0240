package io.sightline.cloud.security;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;

/**
 * 401 and 403 as RFC 9457 problem details, like every other API error, instead of Spring
 * Security's empty bodies; the detail says what token to send.
 */
final class ProblemAuthenticationHandlers {

    private ProblemAuthenticationHandlers() {
    }

    static AuthenticationEntryPoint unauthorized() {
        return (request, response, e) -> {
            // RFC 6750: tell the client which scheme to use.
            response.setHeader("WWW-Authenticate", "Bearer");
            write(response, HttpServletResponse.SC_UNAUTHORIZED, "Unauthorized", detail(e));
        };
    }

    static AccessDeniedHandler forbidden() {
        return (request, response, e) -> write(response, HttpServletResponse.SC_FORBIDDEN, "Forbidden",
                org.springframework.security.core.context.SecurityContextHolder.getContext().getAuthentication() instanceof DeviceAuthentication d
                        ? d.vehicleId() != null
                                ? "device " + d.deviceId() + " of vehicle " + d.fleetId() + "/" + d.vehicleId() + " may not " + request.getMethod()
                                        + " " + request.getRequestURI() + ": a device key bound to a vehicle reads only that vehicle's assignment"
                                        + " (GET /api/v1/assignments/" + d.fleetId() + "/" + d.vehicleId() + ") and the registry's artifacts it"
                                        + " was assigned (ADR-0042, ADR-0044). If the device moved to another vehicle, an admin registers its"
                                        + " key again with that vehicleId (PUT /api/v1/admin/devices/" + d.deviceId() + ")"
                                : "device " + d.deviceId() + " of fleet " + d.fleetId() + " may not " + request.getMethod() + " " + request.getRequestURI()
                                        + ": a device credential reads only its own fleet's assignments and the registry's artifacts (ADR-0042)"
                        : "this token's roles do not allow " + request.getMethod() + " " + request.getRequestURI()
                                + "; ask for a token with the role this endpoint needs (investigator, auditor, safety-app or admin)");
    }

    /** A device credential that was refused (ADR-0042); the detail says what to fix. */
    static void deviceRefused(HttpServletResponse response, String detail) throws IOException {
        response.setHeader("WWW-Authenticate", io.sightline.domain.ingest.DeviceRequestCredential.SCHEME);
        write(response, HttpServletResponse.SC_UNAUTHORIZED, "Unauthorized", detail);
    }

    private static String detail(AuthenticationException e) {
        String message = e == null || e.getMessage() == null ? "" : e.getMessage();
        return message.isBlank() || message.startsWith("Full authentication")
                ? "send 'Authorization: Bearer <token>'; ./sightline run prints demo tokens for each role"
                : "the bearer token was refused (" + message + "); get a new token";
    }

    private static void write(HttpServletResponse response, int status, String title, String detail) throws IOException {
        response.setStatus(status);
        response.setContentType("application/problem+json");
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        response.getWriter().write("{\"type\":\"about:blank\",\"title\":\"" + title + "\",\"status\":" + status
                + ",\"detail\":\"" + detail.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}");
    }
}
