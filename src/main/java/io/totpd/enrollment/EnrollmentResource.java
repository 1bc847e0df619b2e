package io.totpd.enrollment;

import io.totpd.api.Api;
import io.totpd.api.Api.Activation;
import io.totpd.api.Api.CodeRequest;
import io.totpd.api.Api.EnrollRequest;
import io.totpd.api.Api.Enrollment;
import io.totpd.api.Codes;
import io.totpd.caller.Requires;
import io.totpd.caller.Scope;
import io.totpd.quota.Charge;
import io.totpd.recovery.BackupCodes;
import io.totpd.otp.Base32;
import io.totpd.verification.CodeCheckLog;
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

/** The original enrollment calls: one pending enrollment per user, which becomes its only authenticator. */
@Requires(Scope.MANAGE)
@Charge(other = 1)
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
        EnrollmentService.Pending pending = enrollments.enroll(body.userId(), body.accountName(),
                Boolean.TRUE.equals(body.replace()));
        var totp = pending.authenticator().secret.totp();
        Enrollment enrollment = new Enrollment(body.userId(), pending.secret(), Base32.grouped(pending.secret()),
                pending.keyUri(), pending.qrCodeUrl(), pending.authenticator().expiresAt, totp.algorithm().name(),
                totp.digits(), (int) totp.periodSeconds());
        return RestResponse.ResponseBuilder.<Enrollment>created(URI.create("/users/" + body.userId())).entity(enrollment).build();
    }

    @GET
    @Path("enroll/{userId}/qr.png")
    @Produces("image/png")
    public RestResponse<byte[]> qrCode(@PathParam("userId") @Pattern(regexp = Api.USER_ID, message = Api.USER_ID_MESSAGE) String userId,
            @Context UriInfo request) {
        return QrPng.of(enrollments.pendingKeyUri(userId), request);
    }

    /** Charged for the backup codes it may hash: the first activation of a user issues a set. */
    @POST
    @Path("activate")
    @Charge(expensive = BackupCodes.COUNT)
    public Activation activate(@Valid @NotNull(message = Codes.BODY_REQUIRED) CodeRequest body) {
        return checks.record("activate", body.userId(), enrollments.activate(body.userId(), Codes.totp(body.code()))).orThrow();
    }
}
