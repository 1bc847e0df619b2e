package io.totpd.tracing;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizer;
import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizerProvider;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;
import java.util.List;

/**
 * Traces are of requests: a statement that no request made (a webhook sender's poll, each second per
 * endpoint; key rotation; the audit trail's partitions; Flyway at start-up) would otherwise be a
 * trace of one span of its own, thousands an hour per replica that tell nothing a metric does not.
 * Such a span is a client span with no parent; it is never sampled. Everything else is left to the
 * configured sampler ({@code quarkus.otel.traces.sampler}, parent-based always-on by default).
 *
 * <p>Registered through OpenTelemetry's autoconfiguration SPI (META-INF/services, {@link Installer}), which Quarkus's
 * SDK builder loads, so that the configured sampler stays in force underneath.
 */
public final class RequestsOnly implements Sampler {

    private final Sampler configured;

    RequestsOnly(Sampler configured) {
        this.configured = configured;
    }

    /** Puts {@link RequestsOnly} in front of whatever sampler the configuration makes. */
    public static final class Installer implements AutoConfigurationCustomizerProvider {

        @Override
        public void customize(AutoConfigurationCustomizer autoConfiguration) {
            autoConfiguration.addSamplerCustomizer((sampler, config) -> new RequestsOnly(sampler));
        }
    }

    @Override
    public SamplingResult shouldSample(Context parentContext, String traceId, String name, SpanKind spanKind,
            Attributes attributes, List<LinkData> parentLinks) {
        if (spanKind == SpanKind.CLIENT && !Span.fromContext(parentContext).getSpanContext().isValid()) {
            return SamplingResult.drop();
        }
        return configured.shouldSample(parentContext, traceId, name, spanKind, attributes, parentLinks);
    }

    @Override
    public String getDescription() {
        return "RequestsOnly{" + configured.getDescription() + "}";
    }
}
