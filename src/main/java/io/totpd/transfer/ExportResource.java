package io.totpd.transfer;

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
import jakarta.ws.rs.core.StreamingOutput;

/** {@code POST /export}: the tenant's authenticators, one sealed line each, streamed. */
@Requires(Scope.EXPORT)
@Charge(other = 1)
@Path("/export")
public class ExportResource {

    private final ExportService exports;

    ExportResource(ExportService exports) {
        this.exports = exports;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(ImportResource.NDJSON)
    public StreamingOutput export(@NotNull(message = "is required") @Valid ExportRequest request) {
        return exports.export(request.recipient(), request.userIds());
    }
}
