package io.totpd.enrollment;

import io.totpd.caller.Requires;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.resteasy.reactive.RestResponse;

/** The signed link of {@code qrCodeUrl}: for a browser's img tag, so it takes no API key. */
@Path("/qr/{token}")
public class QrResource {

    private final EnrollmentService enrollments;

    QrResource(EnrollmentService enrollments) {
        this.enrollments = enrollments;
    }

    @GET
    @Produces("image/png")
    @Requires.Nobody
    public RestResponse<byte[]> linkedQrCode(@PathParam("token") String token, @Context UriInfo request) {
        return QrPng.of(enrollments.linkedKeyUri(token), request);
    }
}
