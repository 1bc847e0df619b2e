package io.totpd.caller;

import io.totpd.problem.ProblemType;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.HttpHeaders;
import java.lang.reflect.Method;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Authenticates every call before its body is read: {@code Authorization: Bearer <api key>}, then the
 * scope the resource requires. A resource that declares no scope is refused, never opened by mistake.
 * Runs first of the filters that need a caller ({@link org.jboss.resteasy.reactive.server.ServerRequestFilter}'s
 * default priority, {@code Priorities.USER}); the quota is charged right after it.
 */
public class ApiKeyFilter {

    private static final String BEARER = "Bearer ";

    private final Callers callers;
    private final CurrentCaller current;

    ApiKeyFilter(Callers callers, CurrentCaller current) {
        this.callers = callers;
        this.current = current;
    }

    @ServerRequestFilter
    public void authenticate(ContainerRequestContext request, ResourceInfo resource) {
        Method method = resource.getResourceMethod();
        if (method != null && method.isAnnotationPresent(Requires.Nobody.class)) {
            return;
        }
        String authorization = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            throw ProblemType.UNAUTHORIZED.exception("send Authorization: Bearer <api key>");
        }
        Caller caller = callers.byKey(authorization.substring(BEARER.length()).trim())
                .orElseThrow(() -> ProblemType.UNAUTHORIZED.exception("the API key is not valid"));
        if (method != null && method.isAnnotationPresent(Requires.AnyScope.class)) {
            current.set(caller);
            return;
        }
        Requires requires = method == null ? null : method.getAnnotation(Requires.class);
        if (requires == null && resource.getResourceClass() != null) {
            requires = resource.getResourceClass().getAnnotation(Requires.class);
        }
        if (requires == null || !caller.scopes().contains(requires.value())) {
            throw ProblemType.FORBIDDEN.exception("this caller's scopes do not include "
                    + (requires == null ? "this call" : requires.value().name().toLowerCase(java.util.Locale.ROOT)));
        }
        current.set(caller);
    }
}
