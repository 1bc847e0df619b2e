package io.totpd.enrollment;

import io.totpd.api.Api;
import io.totpd.api.Api.ActivateRequest;
import io.totpd.api.Api.AddAuthenticatorRequest;
import io.totpd.api.Api.AuthenticatorActivation;
import io.totpd.api.Api.AuthenticatorList;
import io.totpd.api.Api.AuthenticatorSummary;
import io.totpd.api.Api.NewAuthenticator;
import io.totpd.api.Api.RenameRequest;
import io.totpd.api.Codes;
import io.totpd.caller.Requires;
import io.totpd.caller.Scope;
import io.totpd.quota.Charge;
import io.totpd.recovery.BackupCodes;
import io.totpd.problem.ProblemType;
import io.totpd.otp.Base32;
import io.totpd.user.AuthenticatorService;
import io.totpd.verification.CodeCheckLog;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import java.net.URI;
import java.util.UUID;
import org.jboss.resteasy.reactive.RestResponse;

/** A user's authenticators, one by one: add, activate, its QR code, list, rename, remove. */
@Requires(Scope.MANAGE)
@Charge(other = 1)
@Path("/users/{userId}/authenticators")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class AuthenticatorResource {

    private static final String ID = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";

    private final EnrollmentService enrollments;
    private final AuthenticatorService authenticators;
    private final CodeCheckLog checks;

    AuthenticatorResource(EnrollmentService enrollments, AuthenticatorService authenticators, CodeCheckLog checks) {
        this.enrollments = enrollments;
        this.authenticators = authenticators;
        this.checks = checks;
    }

    /** The body is optional: without one, the authenticator is named "Authenticator" and labelled with the user id. */
    @POST
    public RestResponse<NewAuthenticator> add(@PathParam("userId") @Pattern(regexp = Api.USER_ID, message = Api.USER_ID_MESSAGE) String userId,
            @Valid AddAuthenticatorRequest body) {
        EnrollmentService.Pending pending = enrollments.add(userId, body == null ? null : body.name(),
                body == null ? null : body.accountName());
        var a = pending.authenticator();
        var totp = a.secret.totp();
        NewAuthenticator added = new NewAuthenticator(a.id, a.name, pending.secret(), Base32.grouped(pending.secret()),
                pending.keyUri(), pending.qrCodeUrl(), a.expiresAt, totp.algorithm().name(), totp.digits(),
                (int) totp.periodSeconds());
        return RestResponse.ResponseBuilder.<NewAuthenticator>created(URI.create("/users/" + userId + "/authenticators/" + a.id))
                .entity(added).build();
    }

    /** Charged for the backup codes it may hash: the user's first active authenticator comes with a set. */
    @POST
    @Path("{authenticatorId}/activate")
    @Charge(expensive = BackupCodes.COUNT)
    public AuthenticatorActivation activate(
            @PathParam("userId") @Pattern(regexp = Api.USER_ID, message = Api.USER_ID_MESSAGE) String userId,
            @PathParam("authenticatorId") String authenticatorId,
            @Valid @NotNull(message = Codes.BODY_REQUIRED) ActivateRequest body) {
        return checks.record("activate", userId, enrollments.activate(userId, id(authenticatorId), Codes.totp(body.code())))
                .orThrow();
    }

    @GET
    @Path("{authenticatorId}/qr.png")
    @Produces("image/png")
    public RestResponse<byte[]> qrCode(@PathParam("userId") @Pattern(regexp = Api.USER_ID, message = Api.USER_ID_MESSAGE) String userId,
            @PathParam("authenticatorId") String authenticatorId, @Context UriInfo request) {
        return QrPng.of(enrollments.pendingKeyUri(userId, id(authenticatorId)), request);
    }

    @GET
    public AuthenticatorList list(@PathParam("userId") @Pattern(regexp = Api.USER_ID, message = Api.USER_ID_MESSAGE) String userId) {
        return new AuthenticatorList(authenticators.list(userId));
    }

    @PATCH
    @Path("{authenticatorId}")
    public AuthenticatorSummary rename(@PathParam("userId") @Pattern(regexp = Api.USER_ID, message = Api.USER_ID_MESSAGE) String userId,
            @PathParam("authenticatorId") String authenticatorId,
            @Valid @NotNull(message = Codes.BODY_REQUIRED) RenameRequest body) {
        return authenticators.rename(userId, id(authenticatorId), body.name());
    }

    @DELETE
    // A 204 has no body: the only media type this answers in is its problems', which is all the
    // generated client's Accept names. The class's JSON alone would make that Accept a 406.
    @Produces({MediaType.APPLICATION_JSON, "application/problem+json"})
    @Path("{authenticatorId}")
    public RestResponse<Void> remove(@PathParam("userId") @Pattern(regexp = Api.USER_ID, message = Api.USER_ID_MESSAGE) String userId,
            @PathParam("authenticatorId") String authenticatorId) {
        authenticators.remove(userId, id(authenticatorId));
        return RestResponse.noContent();
    }

    /** Ids are UUIDs in their canonical lower-case form; anything else is malformed, as a bad user id is. */
    private static UUID id(String authenticatorId) {
        if (!authenticatorId.matches(ID)) {
            throw ProblemType.INVALID_REQUEST.exception("authenticatorId: must be a UUID in lower case");
        }
        return UUID.fromString(authenticatorId);
    }
}
