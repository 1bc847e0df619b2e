package io.totpd.http;

import io.totpd.problem.Problem;
import io.totpd.problem.ProblemType;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.regex.Pattern;

/**
 * The contract's promises for every response, whoever makes it (the application, RESTEasy, Vert.x
 * or a filter): {@code Cache-Control: no-store}, {@code X-Content-Type-Options},
 * {@code Referrer-Policy}, {@code X-Request-Id}, {@code Date}, and {@code Allow} on a 405. Also the
 * limits of the request line and headers, and OPTIONS, answered here with a problem body because the
 * layers below would answer them without one.
 *
 * <p>Requests the HTTP codec itself cannot parse (a malformed header line, a request line over
 * {@code quarkus.http.limits.max-initial-line-length}, headers over {@code max-header-size}) never
 * reach a route, and Quarkus offers no hook for them: Vert.x answers those with a bare status. The
 * codec's limits are therefore set well above {@link #MAX_TARGET_LENGTH} and
 * {@link #MAX_HEADER_BYTES}, so that every request within a few times these limits gets a problem.
 */
@Singleton
public class HttpLayer {

    /** The longest request target (path and query), in characters; the longest of this API is under 500. */
    static final int MAX_TARGET_LENGTH = 2048;
    /** The most header bytes, names, values and separators together. */
    static final int MAX_HEADER_BYTES = 8192;

    /** IMF-fixdate (RFC 9110 section 5.6.7); RFC_1123_DATE_TIME would print a one-digit day. */
    private static final DateTimeFormatter IMF_FIXDATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ENGLISH).withZone(ZoneOffset.UTC);
    /** Quarkus's own endpoints (health, metrics, the contract) answer GET only. */
    private static final String MANAGEMENT_ALLOW = "GET, HEAD";

    /** Quarkus's own endpoints that operators scrape or probe. */
    private static final java.util.Set<String> MANAGEMENT_PATHS = java.util.Set.of("/q/health", "/q/health/live",
            "/q/health/ready", "/q/health/started", "/q/metrics", "/q/openapi");

    private final ObjectMapper json;
    private final Map<Pattern, Route> routes;
    /** The Date text of this second: made once a second (for every response it was 1 % of /verify's samples). */
    private volatile DateHeader date = new DateHeader(0, "");

    /** A path of the contract: its template, e.g. {@code /users/{userId}}, and the value of its Allow. */
    private record Route(String template, String allow) {
    }

    /** A second since the epoch and the IMF-fixdate text of it. */
    private record DateHeader(long epochSecond, String value) {
    }

    HttpLayer(ObjectMapper json) {
        this.json = json;
        this.routes = routes();
    }

    void register(@Observes Filters filters) {
        // Above BodyLimit (100), so that its 413 carries the headers too.
        filters.register(this::handle, 1000);
    }

    private void handle(RoutingContext context) {
        HttpServerRequest request = context.request();
        String requestId = RequestId.sanitised(request.getHeader(RequestId.HEADER));
        context.put(RequestId.HEADER, requestId);
        context.addHeadersEndHandler(ignored -> standardHeaders(context.response(), request.path(), requestId));
        if (request.uri().length() > MAX_TARGET_LENGTH) {
            end(context, ProblemType.URI_TOO_LONG, "the request target is longer than " + MAX_TARGET_LENGTH + " characters");
        } else if (headerBytes(request) > MAX_HEADER_BYTES) {
            end(context, ProblemType.REQUEST_HEADER_FIELDS_TOO_LARGE,
                    "the request headers are larger than " + MAX_HEADER_BYTES + " bytes");
        } else if (request.method() == HttpMethod.OPTIONS) {
            // The API is for backends, not browsers: no CORS, so OPTIONS is a method no resource has.
            if (allowFor(request.path()) == null) {
                end(context, ProblemType.NOT_FOUND, "no such resource");
            } else {
                end(context, ProblemType.METHOD_NOT_ALLOWED, "this resource does not support the method");
            }
        } else if (!allowedOnApiPath(request.path(), request.method().name())) {
            // RESTEasy answers a wrong method with 404 where resource classes share a path prefix
            // (/users/{userId} and /users/{userId}/authenticators), so the contract decides here.
            end(context, ProblemType.METHOD_NOT_ALLOWED, "this resource does not support the method");
        } else {
            context.next();
        }
    }

    /** False only for a path of the contract that does not list {@code method}; management paths are Quarkus's. */
    private boolean allowedOnApiPath(String path, String method) {
        Route route = path == null || path.startsWith("/q/") ? null : route(path);
        return route == null || Arrays.asList(route.allow().split(", ")).contains(method);
    }

    private void standardHeaders(HttpServerResponse response, String path, String requestId) {
        response.putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
        response.putHeader("X-Content-Type-Options", "nosniff");
        // A signed QR link is a bearer credential for the QR code: never let it leak through a Referer.
        response.putHeader("Referrer-Policy", "no-referrer");
        response.putHeader(RequestId.HEADER, requestId);
        // The wall clock, not the service's Clock: Date says when this message was sent.
        response.putHeader(HttpHeaders.DATE, dateHeader());
        if (response.getStatusCode() == 405 && !response.headers().contains(HttpHeaders.ALLOW)) {
            String methods = allowFor(path);
            if (methods != null) {
                response.putHeader(HttpHeaders.ALLOW, methods);
            }
        }
    }

    private String dateHeader() {
        long now = System.currentTimeMillis() / 1000;
        DateHeader current = date;
        if (current.epochSecond() != now) {
            // Threads that race here format the same text; whichever write lands is right.
            current = new DateHeader(now, IMF_FIXDATE.format(Instant.ofEpochSecond(now)));
            date = current;
        }
        return current.value();
    }

    private void end(RoutingContext context, ProblemType type, String detail) {
        String body;
        try {
            body = json.writeValueAsString(Problem.of(type, detail));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        HttpServerResponse response = context.response().setStatusCode(type.status())
                .putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE);
        if (type.status() == 414 || type.status() == 431) {
            // What is left of an oversized request is not worth reading.
            response.putHeader(HttpHeaders.CONNECTION, "close");
        }
        response.end(body);
    }

    /** The value of Allow for a path, or null when no resource has that path. */
    String allowFor(String path) {
        if (path == null) {
            return null;
        }
        if (path.startsWith("/q/")) {
            return MANAGEMENT_ALLOW;
        }
        Route route = route(path);
        return route == null ? null : route.allow();
    }

    /**
     * What a request's path may be called where operators look, in metrics and traces: its template
     * in the contract (a user id or a QR token never appears), one of Quarkus's management paths, or
     * {@code UNMATCHED} for anything else, so that no caller, with or without a key, can add a time
     * series per path it invents or put a value of its choice into a span.
     */
    public String routeName(String path) {
        if (path == null) {
            return UNMATCHED;
        }
        if (MANAGEMENT_PATHS.contains(path) || routes.values().stream().anyMatch(route -> route.template().equals(path))) {
            return path;
        }
        Route route = route(path);
        return route == null ? UNMATCHED : route.template();
    }

    /** The name {@link #routeName} gives every path that is no route of the service. */
    public static final String UNMATCHED = "UNMATCHED";

    private Route route(String path) {
        for (Map.Entry<Pattern, Route> route : routes.entrySet()) {
            if (route.getKey().matcher(path).matches()) {
                return route.getValue();
            }
        }
        return null;
    }

    private static int headerBytes(HttpServerRequest request) {
        int bytes = 0;
        for (Map.Entry<String, String> header : request.headers()) {
            bytes += header.getKey().length() + header.getValue().length() + 4;
        }
        return bytes;
    }

    /**
     * Each path of the packaged contract (OpenApiContractTest keeps it equal to the resources), as a
     * pattern, with its methods; RESTEasy answers HEAD wherever there is a GET.
     */
    private static Map<Pattern, Route> routes() {
        try (InputStream contract = HttpLayer.class.getResourceAsStream("/META-INF/openapi.yaml")) {
            if (contract == null) {
                throw new IllegalStateException("META-INF/openapi.yaml is missing from the package");
            }
            JsonNode paths = new ObjectMapper(new YAMLFactory()).readTree(contract).get("paths");
            Map<Pattern, Route> routes = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = paths.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> path = it.next();
                List<String> methods = new ArrayList<>();
                for (String method : List.of("get", "head", "post", "put", "patch", "delete")) {
                    if (path.getValue().has(method)) {
                        methods.add(method.toUpperCase(Locale.ROOT));
                        if (method.equals("get")) {
                            methods.add("HEAD");
                        }
                    }
                }
                StringJoiner value = new StringJoiner(", ");
                methods.stream().distinct().forEach(value::add);
                String regex = "\\Q" + path.getKey().replaceAll("\\{[^}]+}", "\\\\E[^/]+\\\\Q") + "\\E";
                routes.put(Pattern.compile(regex), new Route(path.getKey(), value.toString()));
            }
            return routes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
