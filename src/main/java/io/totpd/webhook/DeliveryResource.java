package io.totpd.webhook;

import io.totpd.api.Api;
import io.totpd.caller.CurrentCaller;
import io.totpd.caller.Requires;
import io.totpd.caller.Scope;
import io.totpd.quota.Charge;
import io.totpd.http.QueryParameters;
import io.totpd.problem.ProblemType;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * {@code GET /webhooks/deliveries} and {@code POST /webhooks/deliveries/{id}/retry}: what was sent to
 * the endpoints of the caller's tenant, how each attempt went, and a second chance for a delivery that
 * was given up on.
 */
@Requires(Scope.MANAGE)
@Charge(other = 1)
@Path("/webhooks/deliveries")
@Produces(MediaType.APPLICATION_JSON)
public class DeliveryResource {

    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 200;
    private static final String ID = "^[0-9]{1,18}$";

    /**
     * One delivery as callers see it. {@code webhookId} is the {@code webhook-id} header of every attempt;
     * {@code nextAttemptAt} is null once it is finished, {@code lastStatus} when no attempt got an answer.
     */
    public record DeliveryView(long id, String endpoint, String webhookId, long eventId, String type, String userId,
            UUID authenticatorId, String status, int attempts, Instant occurredAt, Instant lastAttemptAt, Integer lastStatus,
            String lastError, Instant nextAttemptAt, Instant finishedAt) {

        static DeliveryView of(WebhookDeliveries.Delivery d) {
            boolean pending = d.status() == WebhookDeliveries.Status.PENDING;
            return new DeliveryView(d.id(), d.endpoint(), "msg_" + d.eventId(), d.eventId(), d.type(), d.userId(),
                    d.authenticatorId(), d.status().name().toLowerCase(Locale.ROOT), d.attempts(), d.occurredAt(),
                    d.lastAttemptAt(), d.lastStatus(), d.lastError(), pending ? d.nextAttemptAt() : null, d.finishedAt());
        }
    }

    /** {@code nextBefore} is the {@code before} of the next page; null on the last one. */
    public record DeliveryPage(List<DeliveryView> deliveries, Long nextBefore) {
    }

    private final WebhookDeliveries deliveries;
    private final Endpoints endpoints;
    private final CurrentCaller caller;
    private final Clock clock;

    DeliveryResource(WebhookDeliveries deliveries, Endpoints endpoints, CurrentCaller caller, Clock clock) {
        this.deliveries = deliveries;
        this.endpoints = endpoints;
        this.caller = caller;
        this.clock = clock;
    }

    /** The tenant's deliveries, newest first, optionally only those of one status or user. */
    @GET
    public DeliveryPage list(@Context UriInfo request) {
        String status = QueryParameters.oneOf(request, "status", List.of("pending", "delivered", "failed"), null);
        List<String> users = request.getQueryParameters(true).get("userId");
        String userId = null;
        if (users != null && !users.isEmpty()) {
            if (users.size() > 1 || !users.get(0).matches(Api.USER_ID)) {
                throw ProblemType.INVALID_REQUEST.exception("userId: " + Api.USER_ID_MESSAGE + ", given once");
            }
            userId = users.get(0);
        }
        int size = (int) QueryParameters.wholeNumber(request, "limit", 1, MAX_LIMIT, DEFAULT_LIMIT);
        long before = QueryParameters.wholeNumber(request, "before", 1, Long.MAX_VALUE, 0);
        List<DeliveryView> page = deliveries.page(caller.tenant(),
                status == null ? null : WebhookDeliveries.Status.valueOf(status.toUpperCase(Locale.ROOT)), userId,
                before == 0 ? null : before, size).stream().map(DeliveryView::of).toList();
        return new DeliveryPage(page, page.size() == size ? page.get(page.size() - 1).id() : null);
    }

    /**
     * Sends a failed delivery again, now, with a new retry period: 404 {@code delivery-not-found} if the
     * tenant has none by this id, 409 {@code delivery-not-failed} if it is pending or delivered, or if
     * its endpoint is no longer configured.
     */
    @POST
    @Path("{deliveryId}/retry")
    public DeliveryView retry(@PathParam("deliveryId") @Pattern(regexp = ID, message = "must be a delivery's id, a whole number") String id) {
        long deliveryId = Long.parseLong(id);
        WebhookDeliveries.Delivery found = deliveries.find(caller.tenant(), deliveryId);
        if (found == null) {
            throw ProblemType.DELIVERY_NOT_FOUND.exception("the tenant has no webhook delivery by this id");
        }
        if (!endpoints.all().containsKey(found.endpoint())) {
            throw ProblemType.DELIVERY_NOT_FAILED.exception("its endpoint is no longer configured, so it cannot be sent");
        }
        WebhookDeliveries.Delivery retried = deliveries.retry(caller.tenant(), deliveryId, clock.instant());
        if (retried == null) {
            throw ProblemType.DELIVERY_NOT_FAILED.exception("only a failed delivery can be retried; this one is "
                    + found.status().name().toLowerCase(Locale.ROOT));
        }
        return DeliveryView.of(retried);
    }
}
