package io.totpd.tracing;

import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The span exporter of the tests, as the Quarkus OpenTelemetry guide sets one up: with a SpanExporter
 * bean present, Quarkus exports to it instead of over OTLP. It only ever sees spans in a test profile
 * that turns traces on ({@link TracingTest}); everywhere else the SDK is disabled.
 */
public class InMemorySpans {

    @Produces
    @Singleton
    InMemorySpanExporter exporter() {
        return InMemorySpanExporter.create();
    }
}
