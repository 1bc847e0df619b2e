package io.totpd.verification;

import io.totpd.api.Codes;
import io.totpd.api.Api.CodeRequest;
import io.totpd.api.Api.RecoverRequest;
import io.totpd.api.Api.Recovery;
import io.totpd.api.Api.Verification;
import io.totpd.caller.Requires;
import io.totpd.caller.Scope;
import io.totpd.quota.Charge;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

@Requires(Scope.VERIFY)
@Path("/")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class VerificationResource {

    private final VerificationService verification;
    private final CodeCheckLog checks;

    VerificationResource(VerificationService verification, CodeCheckLog checks) {
        this.verification = verification;
        this.checks = checks;
    }

    @POST
    @Path("verify")
    @Charge(checks = 1)
    public Verification verify(@Valid @NotNull(message = Codes.BODY_REQUIRED) CodeRequest body) {
        return checks.record("verify", body.userId(), verification.verify(body.userId(), Codes.totp(body.code()))).orThrow();
    }

    /** A code check that also costs one Argon2id hash, whatever is typed (a missing tag is hashed against a decoy). */
    @POST
    @Path("recover")
    @Charge(checks = 1, expensive = 1)
    public Recovery recover(@Valid @NotNull(message = Codes.BODY_REQUIRED) RecoverRequest body) {
        return checks.record("recover", body.userId(),
                verification.recover(body.userId(), Codes.backup(body.backupCode()))).orThrow();
    }
}
