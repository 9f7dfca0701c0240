package io.sightline.cloud.api;

import io.sightline.cloud.ingest.IngestReplies;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * On a replica that takes no batches (projection role), answers device uploads with 503 and a
 * problem detail before anything is read or stored. 503 rather than 404: the edge keeps the batch
 * and retries, and behind a balancer the retry may reach an ingest replica.
 */
@Component
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnProperty(name = "sightline.ingest.http.enabled", havingValue = "false")
public class IngestRoleFilter extends OncePerRequestFilter {

    static final String PROBLEM_TYPE = IngestReplies.PROBLEM_TYPE_PREFIX + "not-an-ingest-replica";

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        boolean batch = "POST".equals(request.getMethod()) && path.equals("/api/v1/ingest");
        boolean evidence = "PUT".equals(request.getMethod()) && path.startsWith("/api/v1/evidence/");
        return !batch && !evidence;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        response.setStatus(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
        response.setHeader(HttpHeaders.RETRY_AFTER, "5");
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        String body = "{\"type\":\"" + PROBLEM_TYPE + "\",\"title\":\"This replica takes no uploads\",\"status\":503,"
                + "\"detail\":\"This cloud replica runs the projections role (sightline.ingest.http.enabled=false); send batches and"
                + " evidence to an ingest replica. Nothing was stored; the edge keeps the upload and retries.\"}";
        response.getOutputStream().write(body.getBytes(StandardCharsets.UTF_8));
    }
}
