package io.totpd.http;

import io.totpd.problem.ProblemType;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Operations that read a JSON body take it only as {@code application/json} (any parameters, such as a
 * charset, allowed). Routing refuses other types, but lets a request without {@code Content-Type}, or
 * with a wildcard one, through to the JSON reader: a caller that never said what it sends is guessing,
 * and the contract answers that with 415. The one exception is an operation whose body is optional
 * ({@code POST /users/{userId}/authenticators}): sent with no body at all, it needs no type either.
 */
public class JsonMediaType {

    /** What an operation's body is: not JSON at all, optional JSON, or required JSON. */
    private enum Body { NONE, OPTIONAL, REQUIRED }

    private final Map<Method, Body> bodies = new ConcurrentHashMap<>();

    /**
     * Runs after {@code ApiKeyFilter}, so a caller without a key learns nothing about the operation, and
     * after {@code QuotaFilter}, so a caller over its rates is refused before anything about its request.
     */
    @ServerRequestFilter(priority = Priorities.USER + 2)
    public void requireJson(ContainerRequestContext request, ResourceInfo resource) {
        Method method = resource.getResourceMethod();
        Body body = method == null ? Body.NONE : bodies.computeIfAbsent(method, m -> body(m, resource.getResourceClass()));
        if (body == Body.NONE || body == Body.OPTIONAL && !hasBody(request)) {
            return;
        }
        MediaType type = request.getMediaType();
        if (type == null || !"application".equalsIgnoreCase(type.getType()) || !"json".equalsIgnoreCase(type.getSubtype())) {
            throw ProblemType.UNSUPPORTED_MEDIA_TYPE.exception("send the body as application/json");
        }
    }

    /** Whether the request says a body follows: a length above zero, or chunks. */
    private static boolean hasBody(ContainerRequestContext request) {
        String length = request.getHeaderString(HttpHeaders.CONTENT_LENGTH);
        return request.getHeaderString("Transfer-Encoding") != null || length != null && !length.trim().equals("0");
    }

    private static Body body(Method method, Class<?> resourceClass) {
        Consumes consumes = method.getAnnotation(Consumes.class);
        if (consumes == null && resourceClass != null) {
            consumes = resourceClass.getAnnotation(Consumes.class);
        }
        if (consumes == null || !Arrays.asList(consumes.value()).contains(MediaType.APPLICATION_JSON)) {
            return Body.NONE;
        }
        // A class-level @Consumes also covers its GETs, which read no body and need no type.
        return Arrays.stream(method.getParameterAnnotations())
                .filter(annotations -> Arrays.stream(annotations).noneMatch(JsonMediaType::namesAParameterSource))
                .map(annotations -> Arrays.stream(annotations).anyMatch(a -> a instanceof NotNull) ? Body.REQUIRED : Body.OPTIONAL)
                .findFirst().orElse(Body.NONE);
    }

    /** {@code @PathParam}, {@code @QueryParam}, {@code @Context}, {@code @RestPath} and the like. */
    private static boolean namesAParameterSource(Annotation annotation) {
        String pkg = annotation.annotationType().getPackageName();
        return pkg.equals("jakarta.ws.rs") || pkg.equals("jakarta.ws.rs.core") || pkg.startsWith("org.jboss.resteasy.reactive");
    }
}
