package io.totpd.quota;

import io.totpd.caller.CurrentCaller;
import io.totpd.caller.Requires;
import io.totpd.problem.ProblemType;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ResourceInfo;
import java.lang.reflect.Method;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Charges every call with a key to its caller's rates ({@link Charge}), right after
 * {@link io.totpd.caller.ApiKeyFilter} has authenticated it and before anything else: no body is read,
 * no code evaluated, nothing written. Over a rate, the answer is 429 {@code quota-exceeded} with
 * {@code Retry-After} (whole seconds until the same call fits again) and a detail naming the bucket;
 * it is not {@code factor-locked}, which is about a user, not a caller.
 */
public class QuotaFilter {

    private final Quotas quotas;
    private final CurrentCaller current;
    private final Clock clock;
    private final QuotaAlarm alarm;
    private final Map<Method, CallerQuota.Cost> costs = new ConcurrentHashMap<>();

    QuotaFilter(Quotas quotas, CurrentCaller current, Clock clock, QuotaAlarm alarm) {
        this.quotas = quotas;
        this.current = current;
        this.clock = clock;
        this.alarm = alarm;
    }

    /**
     * Charges the matched resource method's cost to the current caller; nothing for a free call, a
     * call without a caller, or when quotas are off.
     *
     * @throws io.totpd.problem.ProblemException 429 {@code quota-exceeded} with {@code Retry-After}
     */
    @ServerRequestFilter(priority = Priorities.USER + 1)
    public void charge(ResourceInfo resource) {
        if (!quotas.enabled()) {
            return;
        }
        Method method = resource.getResourceMethod();
        if (method == null || method.isAnnotationPresent(Requires.Nobody.class)) {
            return;
        }
        CallerQuota.Cost cost = costs.computeIfAbsent(method, m -> cost(m, resource.getResourceClass()));
        if (cost.free()) {
            return;
        }
        CallerQuota quota = quotas.of(current.get());
        Instant instant = clock.instant();
        long now = nanos(instant);
        CallerQuota.Refusal refusal = quota.charge(cost, now);
        if (refusal != null) {
            if (quota.alarmDue(now)) {
                alarm.raise(quota, refusal, instant);
            }
            CallerQuota.Level level = quota.level(refusal.bucket(), now);
            throw ProblemType.QUOTA_EXCEEDED.exception("this caller's " + refusal.bucket().key() + " quota ("
                    + QuotaAlarm.describe(level) + " on each replica) is used up; retry in " + refusal.retryAfter().toSeconds()
                    + " s", refusal.retryAfter());
        }
    }

    /** Nanoseconds since the epoch: a long holds them until 2262. */
    static long nanos(Instant instant) {
        return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
    }

    /** The method's own {@link Charge}, else its class's, else a unit of {@code other}. */
    static CallerQuota.Cost cost(Method method, Class<?> resourceClass) {
        if (method.isAnnotationPresent(Charge.Free.class)) {
            return CallerQuota.Cost.FREE;
        }
        Charge charge = method.getAnnotation(Charge.class);
        if (charge == null && resourceClass != null) {
            charge = resourceClass.getAnnotation(Charge.class);
        }
        return charge == null ? CallerQuota.Cost.OTHER : new CallerQuota.Cost(charge.checks(), charge.expensive(), charge.other());
    }
}
