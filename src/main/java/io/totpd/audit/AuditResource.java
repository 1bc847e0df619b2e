package io.totpd.audit;

import io.totpd.caller.CurrentCaller;
import io.totpd.caller.Requires;
import io.totpd.caller.Scope;
import io.totpd.quota.Charge;
import io.totpd.api.Api;
import io.totpd.http.QueryParameters;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

@Requires(Scope.MANAGE)
@Charge(other = 1)
@Path("/users/{userId}/events")
@Produces(MediaType.APPLICATION_JSON)
public class AuditResource {

    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 200;

    public record Event(long id, String type, String method, Instant occurredAt, String caller, String requestId,
            UUID authenticatorId) {
    }

    /** {@code nextBefore} is the {@code before} of the next page; null on the last one. */
    public record EventPage(List<Event> events, Long nextBefore) {
    }

    private final AuditEvents events;
    private final CurrentCaller caller;

    AuditResource(AuditEvents events, CurrentCaller caller) {
        this.events = events;
        this.caller = caller;
    }

    /**
     * A user's events, newest first (by time, then id), a page after the event {@code before} names;
     * also of a deleted user, whose trail outlives the user.
     */
    @GET
    public EventPage list(@PathParam("userId") @Pattern(regexp = Api.USER_ID, message = Api.USER_ID_MESSAGE) String userId,
            @Context UriInfo request) {
        int size = (int) QueryParameters.wholeNumber(request, "limit", 1, MAX_LIMIT, DEFAULT_LIMIT);
        long before = QueryParameters.wholeNumber(request, "before", 1, Long.MAX_VALUE, 0);
        List<Event> page = events.page(caller.tenant(), userId, before == 0 ? null : before, size).stream()
                .map(e -> new Event(e.id(), e.type().name().toLowerCase(Locale.ROOT), e.method(), e.occurredAt(), e.caller(),
                        e.requestId(), e.authenticatorId()))
                .toList();
        return new EventPage(page, page.size() == size ? page.get(page.size() - 1).id() : null);
    }
}
