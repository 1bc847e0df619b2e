package io.totpd.tracing;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * Traces are on exactly when an OTLP endpoint is configured
 * ({@code QUARKUS_OTEL_EXPORTER_OTLP_ENDPOINT}, or {@code ..._TRACES_ENDPOINT}): this sets
 * {@code quarkus.otel.sdk.disabled} to whether neither is. Quarkus's own default, an enabled SDK that
 * exports to {@code localhost:4317}, would trace every request of every replica by default and keep
 * trying to reach a collector nobody configured. With the SDK disabled, Quarkus installs no Vert.x
 * tracer and leaves the datasource unwrapped, so "off" costs nothing per request or statement.
 *
 * <p>The value sits below {@code application.properties} and the environment, so an explicit
 * {@code QUARKUS_OTEL_SDK_DISABLED} still decides either way.
 */
public class TracesConfigSourceFactory implements ConfigSourceFactory {

    /** Quarkus's runtime switch for the whole OpenTelemetry SDK. */
    static final String SDK_DISABLED = "quarkus.otel.sdk.disabled";
    /** Where spans go; the first falls back to the second in Quarkus. */
    static final List<String> ENDPOINTS = List.of("quarkus.otel.exporter.otlp.traces.endpoint", "quarkus.otel.exporter.otlp.endpoint");

    /** Below application.properties (250) and the environment (300). */
    private static final int ORDINAL = 50;

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        boolean endpoint = ENDPOINTS.stream().anyMatch(name -> configured(context.getValue(name)));
        return List.of(new PropertiesConfigSource(Map.of(SDK_DISABLED, Boolean.toString(!endpoint)), "totpd-traces", ORDINAL));
    }

    /**
     * Set by someone, to something: Quarkus also registers {@code http://localhost:4317} as a default
     * value, which does not count, whereas the same address set explicitly (a collector running
     * beside the service) does.
     */
    private static boolean configured(ConfigValue value) {
        return value != null && value.getValue() != null && !value.getValue().isBlank()
                && value.getConfigSourceOrdinal() > Integer.MIN_VALUE;
    }
}
