package io.totpd.http;

import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.RequestScoped;
import jakarta.ws.rs.container.ContainerRequestContext;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jboss.logging.MDC;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * The id that ties a caller's request to our logs and audit events: the caller's {@code X-Request-Id}
 * when it is a sane token, otherwise a new one. {@link HttpLayer} chooses it before any route runs and
 * echoes it on every response, also those the application never sees.
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

    /** The presented id when it is a sane token, else a new one. */
    static String sanitised(String presented) {
        return presented != null && SANE.matcher(presented).matches() ? presented : UUID.randomUUID().toString();
    }

    @ServerRequestFilter(preMatching = true)
    public void read(ContainerRequestContext request, RoutingContext routing) {
        String chosen = routing.get(HEADER);
        id = chosen != null ? chosen : sanitised(request.getHeaderString(HEADER));
        MDC.put("requestId", id);
    }
}
