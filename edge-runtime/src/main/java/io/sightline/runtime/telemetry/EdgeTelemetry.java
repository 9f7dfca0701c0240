package io.sightline.runtime.telemetry;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The edge's OpenTelemetry SDK: spans per frame and stage, and the pipeline's metrics (ADR-0007,
 * docs/observability.md).
 *
 * <p>Nothing leaves the process unless an OTLP endpoint is configured
 * ({@code OTEL_EXPORTER_OTLP_ENDPOINT}, or the per-signal {@code _TRACES_}/{@code _METRICS_}
 * variants, or the {@code otel.exporter.otlp.*endpoint} system properties). With one, the SDK is
 * autoconfigured from the standard {@code OTEL_*} settings (service name, resource attributes,
 * sampler, export intervals) with a batch span processor and a periodic metric reader. Without one,
 * spans are not recorded (the sampler drops them) but still get real trace and span ids, so every
 * event's {@code traceparent} names a real trace that the cloud's ingest span can link to, and the
 * meter provider has no reader, so its instruments cost nothing.
 */
public final class EdgeTelemetry implements AutoCloseable {

    /** Instrumentation scope of the edge's spans and metrics. */
    public static final String SCOPE = "io.sightline.edge";
    /** {@code service.name} unless OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES name one. */
    public static final String DEFAULT_SERVICE_NAME = "sightline-edge";

    /** Environment variables and system properties that each turn OTLP export on. */
    static final List<String> ENDPOINT_SETTINGS = List.of("otel.exporter.otlp.endpoint", "otel.exporter.otlp.traces.endpoint",
            "otel.exporter.otlp.metrics.endpoint");

    private static EdgeTelemetry process;

    private final OpenTelemetrySdk sdk;
    private final Tracer tracer;
    private final boolean exporting;
    private final String description;
    private final EdgeMetrics metrics;

    private EdgeTelemetry(OpenTelemetrySdk sdk, boolean exporting, String description) {
        this.sdk = sdk;
        this.tracer = sdk.getTracer(SCOPE);
        this.exporting = exporting;
        this.description = description;
        this.metrics = new EdgeMetrics(sdk.getMeter(SCOPE));
    }

    /**
     * The process's telemetry, set up on first use from the environment and shut down (flushing
     * what is buffered) when the JVM exits.
     */
    public static synchronized EdgeTelemetry process() {
        if (process == null) {
            EdgeTelemetry t = fromEnvironment(System.getenv(), System.getProperties());
            Runtime.getRuntime().addShutdownHook(new Thread(t::close, "sightline-telemetry-shutdown"));
            process = t;
        }
        return process;
    }

    /** OTLP export when an endpoint is configured, else local trace ids only; see the class comment. */
    static EdgeTelemetry fromEnvironment(Map<String, String> env, Map<Object, Object> systemProperties) {
        String endpoint = configuredEndpoint(env, systemProperties);
        if (endpoint == null) {
            return new EdgeTelemetry(localOnly(), false, "local trace ids only (set OTEL_EXPORTER_OTLP_ENDPOINT to export)");
        }
        OpenTelemetrySdk sdk;
        try {
            sdk = AutoConfiguredOpenTelemetrySdk.builder()
                    // Lower precedence than OTEL_* variables and otel.* properties: defaults only.
                    .addPropertiesSupplier(EdgeTelemetry::exportDefaults)
                    .addResourceCustomizer((resource, config) -> withDefaultServiceName(resource, DEFAULT_SERVICE_NAME))
                    // process() closes it on exit; a second hook would shut it down twice.
                    .disableShutdownHook()
                    .build()
                    .getOpenTelemetrySdk();
        } catch (RuntimeException e) {
            throw new IllegalStateException(cannotExport(endpoint, e), e);
        }
        return new EdgeTelemetry(sdk, true, "OTLP to " + endpoint);
    }

    /**
     * Defaults for an exporting SDK. http/protobuf because the exporter sends with the JDK's
     * HttpClient (no OkHttp, no gRPC stack in the edge jar); no log export: logs go to the console.
     */
    public static Map<String, String> exportDefaults() {
        return Map.of("otel.exporter.otlp.protocol", "http/protobuf", "otel.logs.exporter", "none");
    }

    /** The one-line refusal when OTLP export is asked for but the SDK cannot be set up from the OTEL_* settings. */
    public static String cannotExport(String endpoint, RuntimeException cause) {
        return "OpenTelemetry export to " + endpoint + " cannot start: " + cause.getMessage() + ". Check the OTEL_* settings"
                + " (OTEL_EXPORTER_OTLP_PROTOCOL must be http/protobuf; see docs/observability.md), or unset"
                + " OTEL_EXPORTER_OTLP_ENDPOINT to run without export";
    }

    /** Keeps a configured {@code service.name}; replaces the SDK's {@code unknown_service:java} placeholder. */
    public static Resource withDefaultServiceName(Resource resource, String serviceName) {
        AttributeKey<String> key = AttributeKey.stringKey("service.name");
        String current = resource.getAttribute(key);
        if (current == null || current.startsWith("unknown_service")) {
            return resource.merge(Resource.create(Attributes.of(key, serviceName)));
        }
        return resource;
    }

    /** The first configured OTLP endpoint, or {@code null}; system properties win over the environment, as in the SDK. */
    public static String configuredEndpoint(Map<String, String> env, Map<Object, Object> systemProperties) {
        for (String property : ENDPOINT_SETTINGS) {
            Object p = systemProperties.get(property);
            if (p != null && !p.toString().isBlank()) {
                return p.toString().trim();
            }
            String e = env.get(property.toUpperCase(Locale.ROOT).replace('.', '_'));
            if (e != null && !e.isBlank()) {
                return e.trim();
            }
        }
        return null;
    }

    /** Real ids, nothing recorded, nothing exported. */
    private static OpenTelemetrySdk localOnly() {
        return OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder().setSampler(Sampler.alwaysOff()).addSpanProcessor(IDS_ONLY).build())
                .setMeterProvider(SdkMeterProvider.builder().build())
                .build();
    }

    /**
     * Without any span processor the SDK hands out invalid (all-zero) span contexts; one that
     * asks for neither start nor end makes it generate real ids at no further cost.
     */
    private static final SpanProcessor IDS_ONLY = new SpanProcessor() {
        @Override
        public void onStart(Context parentContext, ReadWriteSpan span) {
        }

        @Override
        public boolean isStartRequired() {
            return false;
        }

        @Override
        public void onEnd(ReadableSpan span) {
        }

        @Override
        public boolean isEndRequired() {
            return false;
        }
    };

    /**
     * Telemetry over the given providers, for tests (an in-memory span exporter or metric reader)
     * and embedders that set up their own SDK. Closing it shuts them down.
     */
    public static EdgeTelemetry using(SdkTracerProvider tracerProvider, SdkMeterProvider meterProvider) {
        Objects.requireNonNull(tracerProvider, "tracerProvider");
        Objects.requireNonNull(meterProvider, "meterProvider");
        return new EdgeTelemetry(OpenTelemetrySdk.builder().setTracerProvider(tracerProvider).setMeterProvider(meterProvider).build(),
                true, "the embedder's tracer and meter providers");
    }

    /** One drive session's spans and metrics. */
    public SessionTelemetry session(String sessionId) {
        return new SessionTelemetry(tracer, metrics, sessionId);
    }

    public OpenTelemetry openTelemetry() {
        return sdk;
    }

    /** Where spans and metrics go, for the run's banner. */
    public String describe() {
        return description;
    }

    public boolean exporting() {
        return exporting;
    }

    /** Flushes what the exporters hold and shuts the SDK down. */
    @Override
    public void close() {
        sdk.close();
    }
}
