package io.totpd.http;

import jakarta.ws.rs.container.ContainerResponseContext;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/** Headers every answer carries: enrollment bodies and QR codes hold secrets, so nothing may be cached. */
public class ResponseHeaders {

    @ServerResponseFilter
    public void noStore(ContainerResponseContext response) {
        response.getHeaders().putSingle("Cache-Control", "no-store");
        response.getHeaders().putSingle("X-Content-Type-Options", "nosniff");
        // A signed QR link is a bearer credential for the QR code: never let it leak through a Referer.
        response.getHeaders().putSingle("Referrer-Policy", "no-referrer");
    }
}
