package io.sightline.cloud.telemetry;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * The cloud's OpenTelemetry SDK (ADR-0007): exported over OTLP only when an endpoint is
 * configured ({@code OTEL_EXPORTER_OTLP_ENDPOINT}, its per-signal variants, or the matching
 * {@code otel.exporter.otlp.*} properties); otherwise the ingest span is a no-op (nothing links to
 * the cloud's spans, so unlike the edge it needs no ids). Metrics for Prometheus come from
 * Micrometer and Actuator, not from this SDK.
 */
@Configuration(proxyBeanMethods = false)
public class TelemetryConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(TelemetryConfiguration.class);

    /** {@code service.name} unless OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES name one. */
    public static final String DEFAULT_SERVICE_NAME = "sightline-cloud";
    static final List<String> ENDPOINT_PROPERTIES = List.of("otel.exporter.otlp.endpoint", "otel.exporter.otlp.traces.endpoint",
            "otel.exporter.otlp.metrics.endpoint");

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean(OpenTelemetry.class)
    public OpenTelemetrySdk sightlineOpenTelemetry(Environment environment) {
        Map<String, String> fromSpring = new HashMap<>();
        for (String p : ENDPOINT_PROPERTIES) {
            String v = environment.getProperty(p);
            if (v != null && !v.isBlank()) {
                fromSpring.put(p, v.trim());
            }
        }
        if (fromSpring.isEmpty()) {
            return OpenTelemetrySdk.builder()
                    .setTracerProvider(SdkTracerProvider.builder().setSampler(Sampler.alwaysOff()).build())
                    .build();
        }
        Map<String, String> defaults = new HashMap<>(fromSpring);
        // The exporter sends with the JDK's HttpClient (no OkHttp, no gRPC stack); logs stay with Logback.
        defaults.put("otel.exporter.otlp.protocol", "http/protobuf");
        defaults.put("otel.logs.exporter", "none");
        // Micrometer serves metrics at /actuator/prometheus; the SDK exports traces only unless told otherwise.
        defaults.put("otel.metrics.exporter", "none");
        LOG.info("OpenTelemetry: exporting spans over OTLP to {}", fromSpring.values().iterator().next());
        try {
            return AutoConfiguredOpenTelemetrySdk.builder()
                    // Lower precedence than OTEL_* variables and otel.* system properties: defaults only.
                    .addPropertiesSupplier(() -> defaults)
                    .addResourceCustomizer((resource, config) -> withDefaultServiceName(resource))
                    .disableShutdownHook()
                    .build()
                    .getOpenTelemetrySdk();
        } catch (RuntimeException e) {
            throw new IllegalStateException("OpenTelemetry export to " + fromSpring.values().iterator().next() + " cannot start: "
                    + e.getMessage() + ". Check the OTEL_* settings (OTEL_EXPORTER_OTLP_PROTOCOL must be http/protobuf; see"
                    + " docs/observability.md), or unset OTEL_EXPORTER_OTLP_ENDPOINT to run without export", e);
        }
    }

    static Resource withDefaultServiceName(Resource resource) {
        AttributeKey<String> key = AttributeKey.stringKey("service.name");
        String current = resource.getAttribute(key);
        if (current == null || current.startsWith("unknown_service")) {
            return resource.merge(Resource.create(Attributes.of(key, DEFAULT_SERVICE_NAME)));
        }
        return resource;
    }
}
