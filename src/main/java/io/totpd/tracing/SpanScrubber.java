package io.totpd.tracing;

import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.semconv.UrlAttributes;
import io.totpd.http.HttpLayer;
import jakarta.inject.Singleton;
import java.util.regex.Pattern;

/**
 * Keeps what callers put in a URL out of the spans of their requests. The HTTP instrumentation
 * records the raw path and query ({@code url.path}, {@code url.query}) when the request arrives; a
 * path can hold a signed QR token, which is a bearer credential for the QR code and so the secret,
 * or a user id, which is personal data. As each server span starts, before anything can read it,
 * {@code url.path} becomes the path's template in the contract ({@link HttpLayer#routeName}, e.g.
 * {@code /qr/{token}}) and every value of {@code url.query} becomes {@code REDACTED} (OpenTelemetry's
 * word for it), keeping the parameter names. The span's name is the route template already.
 *
 * <p>Quarkus adds every {@link SpanProcessor} bean to the tracer provider; with the SDK disabled
 * there are no spans and this never runs.
 */
@Singleton
public class SpanScrubber implements SpanProcessor {

    /** What replaces each value of the query string. */
    static final String REDACTED = "REDACTED";
    private static final Pattern QUERY_VALUE = Pattern.compile("=[^&]*");

    private final HttpLayer http;

    SpanScrubber(HttpLayer http) {
        this.http = http;
    }

    @Override
    public void onStart(Context parentContext, ReadWriteSpan span) {
        if (span.getKind() != SpanKind.SERVER) {
            return;
        }
        String path = span.getAttribute(UrlAttributes.URL_PATH);
        if (path != null) {
            span.setAttribute(UrlAttributes.URL_PATH, http.routeName(path));
        }
        String query = span.getAttribute(UrlAttributes.URL_QUERY);
        if (query != null) {
            span.setAttribute(UrlAttributes.URL_QUERY, QUERY_VALUE.matcher(query).replaceAll("=" + REDACTED));
        }
    }

    @Override
    public boolean isStartRequired() {
        return true;
    }

    @Override
    public void onEnd(ReadableSpan span) {
    }

    @Override
    public boolean isEndRequired() {
        return false;
    }
}
