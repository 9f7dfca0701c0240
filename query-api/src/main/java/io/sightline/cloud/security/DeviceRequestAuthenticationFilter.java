package io.sightline.cloud.security;

import io.sightline.cloud.ingest.DeviceKeyRegistry;
import io.sightline.domain.ingest.DeviceRequestCredential;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.springframework.http.HttpHeaders;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Authenticates a request signed with a registered device key ({@code Authorization: Sightline-Device …}, ADR-0042): a
 * vehicle reading its assignment and the registry's artifacts with the key the cloud already holds for its batches.
 * Requests with any other scheme pass untouched to the bearer-token filter. A device credential that does not verify is
 * answered 401 at once, saying what to fix, and never falls through as anonymous.
 */
final class DeviceRequestAuthenticationFilter extends OncePerRequestFilter {

    private final DeviceKeyRegistry keys;
    private final LongSupplier epochSeconds;

    DeviceRequestAuthenticationFilter(DeviceKeyRegistry keys, LongSupplier epochSeconds) {
        this.keys = keys;
        this.epochSeconds = epochSeconds;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (!DeviceRequestCredential.isDeviceScheme(header)) {
            chain.doFilter(request, response);
            return;
        }
        DeviceRequestCredential credential;
        try {
            credential = DeviceRequestCredential.parse(header);
        } catch (IllegalArgumentException e) {
            ProblemAuthenticationHandlers.deviceRefused(response, e.getMessage());
            return;
        }
        Optional<DeviceKeyRegistry.ActiveDevice> device = keys.active(credential.deviceId());
        if (device.isEmpty()) {
            ProblemAuthenticationHandlers.deviceRefused(response, "device " + credential.deviceId() + " has no active key here;"
                    + " an admin registers it with PUT /api/v1/admin/devices/" + credential.deviceId() + " (./sightline edge --print-device-key)");
            return;
        }
        if (device.get().fleetId() == null) {
            ProblemAuthenticationHandlers.deviceRefused(response, "device " + credential.deviceId() + " is registered without a fleet, and"
                    + " a device reads only its fleet's assignments: an admin of its fleet registers it again with PUT /api/v1/admin/devices/"
                    + credential.deviceId());
            return;
        }
        long skew = credential.skewBeyondLimitSeconds(epochSeconds.getAsLong());
        if (skew > 0) {
            ProblemAuthenticationHandlers.deviceRefused(response, "the request was signed at " + credential.epochSeconds() + ", " + skew
                    + " s from the cloud's clock (at most " + DeviceRequestCredential.MAX_CLOCK_SKEW_SECONDS
                    + " s either way): set the vehicle's clock (NTP or GNSS) and sign again");
            return;
        }
        String pathAndQuery = request.getRequestURI() + (request.getQueryString() == null ? "" : "?" + request.getQueryString());
        if (!verifies(device.get(), credential, request.getMethod(), pathAndQuery)) {
            ProblemAuthenticationHandlers.deviceRefused(response, "the signature of device " + credential.deviceId() + " over "
                    + request.getMethod() + " " + pathAndQuery + " does not verify with its registered key; sign the request as sent"
                    + " (method, raw path and query) with the device key registered for it");
            return;
        }
        SecurityContext context = SecurityContextHolder.createEmptyContext();
        context.setAuthentication(new DeviceAuthentication(credential.deviceId(), device.get().fleetId(), device.get().vehicleId()));
        SecurityContextHolder.setContext(context);
        try {
            chain.doFilter(request, response);
        } finally {
            SecurityContextHolder.clearContext();
        }
    }

    private static boolean verifies(DeviceKeyRegistry.ActiveDevice device, DeviceRequestCredential credential, String method,
                                    String pathAndQuery) {
        try {
            Signature s = Signature.getInstance(DeviceKeyRegistry.ALGORITHM);
            s.initVerify(device.key());
            s.update(DeviceRequestCredential.signedBytes(credential.deviceId(), method, pathAndQuery, credential.epochSeconds()));
            return s.verify(credential.signature());
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }
}
