package io.totpd.http;

import io.totpd.problem.ProblemType;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
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
 * and the contract answers that with 415.
 */
public class JsonMediaType {

    private final Map<Method, Boolean> readsJson = new ConcurrentHashMap<>();

    /** Runs after {@code ApiKeyFilter}, so a caller without a key learns nothing about the operation. */
    @ServerRequestFilter(priority = Priorities.USER + 1)
    public void requireJson(ContainerRequestContext request, ResourceInfo resource) {
        Method method = resource.getResourceMethod();
        if (method == null || !readsJson.computeIfAbsent(method, m -> readsJson(m, resource.getResourceClass()))) {
            return;
        }
        MediaType type = request.getMediaType();
        if (type == null || !"application".equalsIgnoreCase(type.getType()) || !"json".equalsIgnoreCase(type.getSubtype())) {
            throw ProblemType.UNSUPPORTED_MEDIA_TYPE.exception("send the body as application/json");
        }
    }

    private static boolean readsJson(Method method, Class<?> resourceClass) {
        Consumes consumes = method.getAnnotation(Consumes.class);
        if (consumes == null && resourceClass != null) {
            consumes = resourceClass.getAnnotation(Consumes.class);
        }
        return consumes != null && Arrays.asList(consumes.value()).contains(MediaType.APPLICATION_JSON) && readsBody(method);
    }

    /** A class-level {@code @Consumes} also covers its GETs, which read no body and need no type. */
    private static boolean readsBody(Method method) {
        return Arrays.stream(method.getParameterAnnotations())
                .anyMatch(annotations -> Arrays.stream(annotations).noneMatch(JsonMediaType::namesAParameterSource));
    }

    /** {@code @PathParam}, {@code @QueryParam}, {@code @Context}, {@code @RestPath} and the like. */
    private static boolean namesAParameterSource(Annotation annotation) {
        String pkg = annotation.annotationType().getPackageName();
        return pkg.equals("jakarta.ws.rs") || pkg.equals("jakarta.ws.rs.core") || pkg.startsWith("org.jboss.resteasy.reactive");
    }
}
