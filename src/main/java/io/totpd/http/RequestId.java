package io.totpd.http;

import jakarta.enterprise.context.RequestScoped;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jboss.logging.MDC;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * The id that ties a caller's request to our logs and audit events: the caller's {@code X-Request-Id}
 * when it is a sane token, otherwise a new one; always echoed back.
 */
@RequestScoped
public class RequestId {

    public static final String HEADER = "X-Request-Id";
    private static final Pattern SANE = Pattern.compile("[A-Za-z0-9._:+/=-]{1,64}");

    private String id;

    public String get() {
        if (id == null) {
            id = UUID.randomUUID().toString();
        }
        return id;
    }

    @ServerRequestFilter(preMatching = true)
    public void read(ContainerRequestContext request) {
        String presented = request.getHeaderString(HEADER);
        id = presented != null && SANE.matcher(presented).matches() ? presented : UUID.randomUUID().toString();
        MDC.put("requestId", id);
    }

    @ServerResponseFilter
    public void echo(ContainerResponseContext response) {
        response.getHeaders().putSingle(HEADER, get());
    }
}
