package io.totpd.quota;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import io.totpd.TotpdConfig;
import io.totpd.caller.Caller;
import io.totpd.caller.Callers;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * The quota settings, checked at start-up, and each caller's rates on this replica ({@link CallerQuota},
 * by caller index) with their counters, registered before the first request:
 * {@code totpd_quota_requests_total{caller, outcome="allowed"|"limited"}}.
 *
 * <p>A rate is counted in this replica's memory, so a caller's effective limit is its rate times the
 * replicas its requests reach (as Envoy's and Kong's local rate limits): a count shared by replicas
 * would add a database write, or a network round trip, to every {@code /verify}. Caps are counted in
 * PostgreSQL ({@link TenantCaps}), exactly.
 */
@Singleton
@Startup
public class Quotas {

    private static final Logger LOG = Logger.getLogger(Quotas.class);

    /** A tenant's caps, each with the setting it comes from (named in a refusal's detail). */
    public record Caps(int maxPendingEnrollments, String pendingSetting, long maxAuthenticators, String authenticatorsSetting) {
    }

    private final boolean enabled;
    private final CallerQuota[] byCaller;
    private final Caps defaults;
    private final Map<String, Caps> byTenant = new HashMap<>();

    @Inject
    Quotas(TotpdConfig config, Callers callers, MeterRegistry metrics) {
        this(config, callers.all(), metrics);
    }

    /** {@code all}: every configured caller, in the order of their index. */
    Quotas(TotpdConfig config, List<Caller> all, MeterRegistry metrics) {
        TotpdConfig.QuotaConfig quota = config.quota();
        this.enabled = quota.enabled();
        this.byCaller = new CallerQuota[all.size()];
        for (Caller caller : all) {
            TotpdConfig.CallerQuotaConfig own = config.callers().get(caller.name()).quota();
            String prefix = "totpd.callers." + caller.name() + ".quota.";
            byCaller[caller.index()] = new CallerQuota(caller,
                    bucket(Bucket.CHECKS, prefix, own.checks(), quota.checks().rate(), quota.checks().burst()),
                    bucket(Bucket.EXPENSIVE, prefix, own.expensive(), quota.expensive().rate(), quota.expensive().burst()),
                    bucket(Bucket.OTHER, prefix, own.other(), quota.other().rate(), quota.other().burst()),
                    counter(metrics, caller, "allowed"), counter(metrics, caller, "limited"));
        }
        this.defaults = new Caps(atLeastOne(quota.maxPendingEnrollments(), "totpd.quota.max-pending-enrollments"),
                "totpd.quota.max-pending-enrollments",
                atLeastOne(quota.maxAuthenticators(), "totpd.quota.max-authenticators"), "totpd.quota.max-authenticators");
        Set<String> tenants = all.stream().map(Caller::tenant).collect(Collectors.toSet());
        for (Map.Entry<String, TotpdConfig.TenantConfig> tenant : config.tenants().entrySet()) {
            String prefix = "totpd.tenants." + tenant.getKey() + ".";
            if (!tenants.contains(tenant.getKey())) {
                throw new IllegalArgumentException(prefix + "*: no caller has tenant '" + tenant.getKey()
                        + "' (tenant names are case-sensitive; set them as properties when they hold capitals or dots)");
            }
            Optional<Integer> pending = tenant.getValue().maxPendingEnrollments();
            Optional<Long> authenticators = tenant.getValue().maxAuthenticators();
            byTenant.put(tenant.getKey(), new Caps(
                    pending.map(n -> atLeastOne(n, prefix + "max-pending-enrollments")).orElse(defaults.maxPendingEnrollments()),
                    pending.isPresent() ? prefix + "max-pending-enrollments" : defaults.pendingSetting(),
                    authenticators.map(n -> atLeastOne(n, prefix + "max-authenticators")).orElse(defaults.maxAuthenticators()),
                    authenticators.isPresent() ? prefix + "max-authenticators" : defaults.authenticatorsSetting()));
        }
        if (!enabled) {
            LOG.warn("Quotas are off (totpd.quota.enabled=false): no caller's rate and no tenant's cap is enforced");
        }
    }

    /** Whether rates and caps are enforced. */
    public boolean enabled() {
        return enabled;
    }

    /** The caller's rates on this replica. */
    CallerQuota of(Caller caller) {
        return byCaller[caller.index()];
    }

    /** The tenant's caps: its own settings, or the defaults. */
    public Caps caps(String tenant) {
        return byTenant.getOrDefault(tenant, defaults);
    }

    /** A caller's bucket: its own rate and burst where set, else the defaults; refused when no call could pass. */
    static TokenBucket bucket(Bucket kind, String callerPrefix, TotpdConfig.RateOverride own, double defaultRate, int defaultBurst) {
        String defaultPrefix = "totpd.quota." + kind.key() + ".";
        String rateSetting = (own.rate().isPresent() ? callerPrefix + kind.key() + "." : defaultPrefix) + "rate";
        String burstSetting = (own.burst().isPresent() ? callerPrefix + kind.key() + "." : defaultPrefix) + "burst";
        double rate = own.rate().orElse(defaultRate);
        int burst = own.burst().orElse(defaultBurst);
        if (!(rate > 0) || Double.isInfinite(rate)) {
            throw new IllegalArgumentException(rateSetting + " must be a number of units a second above 0, e.g. 0.5 or 100");
        }
        if (burst < kind.largestCharge()) {
            throw new IllegalArgumentException(burstSetting + " is " + burst + ", below " + kind.largestCharge()
                    + (kind == Bucket.EXPENSIVE
                            ? ", what an activation or a new set of backup codes charges (an Argon2id hash per backup code)"
                            : ", what one call charges")
                    + ": such a call could never pass");
        }
        if (TokenBucket.refillNanos(rate, burst) > TokenBucket.MAX_REFILL_NANOS) {
            throw new IllegalArgumentException(burstSetting + " ÷ " + rateSetting + " must be at most 30 years (the time an "
                    + "empty bucket takes to fill)");
        }
        return new TokenBucket(rate, burst);
    }

    private static <N extends Number> N atLeastOne(N value, String setting) {
        if (value.longValue() < 1) {
            throw new IllegalArgumentException(setting + " must be at least 1");
        }
        return value;
    }

    private static Counter counter(MeterRegistry metrics, Caller caller, String outcome) {
        return Counter.builder("totpd.quota.requests")
                .description("Calls with a key that were charged to the caller's rates on this replica (allowed) or "
                        + "refused with 429 quota-exceeded (limited)")
                .tags("caller", caller.name(), "outcome", outcome)
                .register(metrics);
    }
}
