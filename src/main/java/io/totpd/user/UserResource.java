package io.totpd.user;

import io.totpd.api.Api;
import io.totpd.api.Api.BackupCodeSet;
import io.totpd.api.Api.UserStatus;
import io.totpd.problem.ProblemType;
import io.totpd.caller.Requires;
import io.totpd.caller.Scope;
import io.totpd.quota.Charge;
import io.totpd.recovery.BackupCodes;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.RestResponse;

@Requires(Scope.MANAGE)
@Charge(other = 1)
@Path("/users/{userId}")
@Produces(MediaType.APPLICATION_JSON)
public class UserResource {

    private final UserService users;

    UserResource(UserService users) {
        this.users = users;
    }

    @GET
    public UserStatus status(@PathParam("userId") @Pattern(regexp = Api.USER_ID, message = Api.USER_ID_MESSAGE) String userId) {
        return users.status(userId).orElseThrow(() -> ProblemType.FACTOR_NOT_FOUND.exception("this user has no factor"));
    }

    /** Charged for the backup codes it hashes. */
    @POST
    @Path("backup-codes")
    @Charge(expensive = BackupCodes.COUNT)
    public BackupCodeSet regenerateBackupCodes(
            @PathParam("userId") @Pattern(regexp = Api.USER_ID, message = Api.USER_ID_MESSAGE) String userId) {
        return new BackupCodeSet(users.regenerateBackupCodes(userId));
    }

    @POST
    @Path("unlock")
    public UserStatus unlock(@PathParam("userId") @Pattern(regexp = Api.USER_ID, message = Api.USER_ID_MESSAGE) String userId) {
        return users.unlock(userId);
    }

    @POST
    @Path("suspend")
    public UserStatus suspend(@PathParam("userId") @Pattern(regexp = Api.USER_ID, message = Api.USER_ID_MESSAGE) String userId) {
        return users.suspend(userId);
    }

    @POST
    @Path("resume")
    public UserStatus resume(@PathParam("userId") @Pattern(regexp = Api.USER_ID, message = Api.USER_ID_MESSAGE) String userId) {
        return users.resume(userId);
    }

    @DELETE
    // A 204 has no body: the only media type this answers in is its problems', which is all the
    // generated client's Accept names. The class's JSON alone would make that Accept a 406.
    @Produces({MediaType.APPLICATION_JSON, "application/problem+json"})
    public RestResponse<Void> delete(@PathParam("userId") @Pattern(regexp = Api.USER_ID, message = Api.USER_ID_MESSAGE) String userId) {
        if (!users.delete(userId)) {
            throw ProblemType.FACTOR_NOT_FOUND.exception("this user has no factor");
        }
        return RestResponse.noContent();
    }
}
