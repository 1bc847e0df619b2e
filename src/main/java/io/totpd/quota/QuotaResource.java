package io.totpd.quota;

import io.totpd.caller.Caller;
import io.totpd.caller.CurrentCaller;
import io.totpd.caller.Requires;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.Clock;
import java.time.Instant;

/**
 * {@code GET /quota}: the calling caller's rates on the replica that answers, with what is left of
 * each, and its tenant's caps with what the tenant uses. Any caller may ask, whatever its scopes, and
 * it costs nothing, so a caller over its rates can still see why.
 */
@Path("/quota")
@Produces(MediaType.APPLICATION_JSON)
public class QuotaResource {

    /**
     * One rate on this replica: units a second, the burst, the whole units left now, and the seconds
     * (rounded up) until the bucket is full again.
     */
    public record RateView(double rate, int burst, long remaining, long secondsUntilFull) {

        static RateView of(CallerQuota.Level level) {
            return new RateView(level.rate(), level.burst(), level.remaining(), level.secondsUntilFull());
        }
    }

    /** One cap of the tenant, across replicas: its limit and how much of it is used. */
    public record CapView(long limit, long used) {
    }

    /** {@code enforced} is false when quotas are off ({@code totpd.quota.enabled=false}): nothing is then refused. */
    public record QuotaView(String caller, String tenant, boolean enforced, RateView checks, RateView expensive, RateView other,
            CapView pendingEnrollments, CapView authenticators) {
    }

    private final Quotas quotas;
    private final TenantCaps caps;
    private final CurrentCaller current;
    private final Clock clock;

    QuotaResource(Quotas quotas, TenantCaps caps, CurrentCaller current, Clock clock) {
        this.quotas = quotas;
        this.caps = caps;
        this.current = current;
        this.clock = clock;
    }

    /** The calling caller's rates, as of now on this replica, and its tenant's caps, as committed. */
    @GET
    @Requires.AnyScope
    @Charge.Free
    public QuotaView quota() {
        Caller caller = current.get();
        Instant now = clock.instant();
        long nanos = QuotaFilter.nanos(now);
        CallerQuota quota = quotas.of(caller);
        TenantCaps.Usage usage = caps.usage(caller.tenant(), now);
        return new QuotaView(caller.name(), caller.tenant(), quotas.enabled(),
                RateView.of(quota.level(Bucket.CHECKS, nanos)), RateView.of(quota.level(Bucket.EXPENSIVE, nanos)),
                RateView.of(quota.level(Bucket.OTHER, nanos)),
                new CapView(usage.caps().maxPendingEnrollments(), usage.pendingEnrollments()),
                new CapView(usage.caps().maxAuthenticators(), usage.authenticators()));
    }
}
