package io.totpd.enrollment;

import io.totpd.api.Api;
import io.totpd.api.Codes;
import io.totpd.verification.CodeCheckLog;
import io.totpd.api.Api.Activation;
import io.totpd.api.Api.CodeRequest;
import io.totpd.api.Api.EnrollRequest;
import io.totpd.api.Api.Enrollment;
import io.totpd.http.ProblemType;
import io.totpd.http.QueryParameters;
import io.totpd.qr.QrCodes;
import io.totpd.caller.Requires;
import io.totpd.caller.Scope;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import java.net.URI;
import org.jboss.resteasy.reactive.RestResponse;

@Requires(Scope.MANAGE)
@Path("/")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class EnrollmentResource {

    private final EnrollmentService enrollments;
    private final CodeCheckLog checks;

    EnrollmentResource(EnrollmentService enrollments, CodeCheckLog checks) {
        this.enrollments = enrollments;
        this.checks = checks;
    }

    @POST
    @Path("enroll")
    public RestResponse<Enrollment> enroll(@Valid @NotNull(message = Codes.BODY_REQUIRED) EnrollRequest body) {
        Enrollment enrollment = enrollments.enroll(body.userId(), body.accountName(), Boolean.TRUE.equals(body.replace()));
        return RestResponse.ResponseBuilder.<Enrollment>created(URI.create("/users/" + body.userId())).entity(enrollment).build();
    }

    @GET
    @Path("enroll/{userId}/qr.png")
    @Produces("image/png")
    public RestResponse<byte[]> qrCode(@PathParam("userId") @Pattern(regexp = Api.USER_ID, message = Api.USER_ID_MESSAGE) String userId,
            @Context UriInfo request) {
        return png(enrollments.pendingKeyUri(userId), request);
    }

    /** The signed link of {@code qrCodeUrl}: for a browser's img tag, so it takes no API key. */
    @GET
    @Path("qr/{token}")
    @Produces("image/png")
    @Requires.Nobody
    public RestResponse<byte[]> linkedQrCode(@PathParam("token") String token, @Context UriInfo request) {
        return png(enrollments.linkedKeyUri(token), request);
    }

    @POST
    @Path("activate")
    public Activation activate(@Valid @NotNull(message = Codes.BODY_REQUIRED) CodeRequest body) {
        return checks.record("activate", body.userId(), enrollments.activate(body.userId(), Codes.totp(body.code()))).orThrow();
    }

    /** Exactly the size asked, or a 400 that names the smallest size at which phones still read it. */
    private static RestResponse<byte[]> png(String keyUri, UriInfo request) {
        int size = (int) QueryParameters.wholeNumber(request, "size", QrCodes.MIN_SIZE, QrCodes.MAX_SIZE, QrCodes.DEFAULT_SIZE);
        int smallest = QrCodes.smallestSize(keyUri);
        if (size < smallest) {
            throw ProblemType.INVALID_REQUEST.exception("size: this QR code needs at least " + smallest + " pixels ("
                    + QrCodes.PIXELS_PER_MODULE + " per module, quiet zone included)");
        }
        return RestResponse.ResponseBuilder.ok(QrCodes.png(keyUri, size), "image/png").build();
    }
}
