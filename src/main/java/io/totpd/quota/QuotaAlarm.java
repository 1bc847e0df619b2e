package io.totpd.quota;

import io.totpd.audit.AuditEvent;
import io.totpd.audit.AuditTrail;
import io.totpd.db.Transactions;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.jboss.logging.Logger;

/**
 * Tells operators that a caller is over one of its rates: a WARN line and an audit event
 * {@code quota-exceeded} (about the tenant, naming no user), at most once per caller a minute on each
 * replica ({@link CallerQuota#alarmDue}), not per refusal: a caller spraying thousands of requests a
 * second must not turn each into a database write. {@code totpd_quota_requests_total} counts them all.
 * Not a webhook event: it is about a caller, which an operator watches, not about a user.
 */
@Singleton
public class QuotaAlarm {

    private static final Logger LOG = Logger.getLogger(QuotaAlarm.class);

    private final AuditTrail audit;
    private final Transactions transactions;

    QuotaAlarm(AuditTrail audit, Transactions transactions) {
        this.audit = audit;
        this.transactions = transactions;
    }

    /**
     * Logs and records the refusal, in a transaction of its own. The refusal is answered whatever
     * happens here: when the database cannot take the event, that is logged and the 429 goes out.
     */
    void raise(CallerQuota quota, CallerQuota.Refusal refusal, Instant now) {
        LOG.warnf("Caller '%s' is over its %s quota (%s on this replica); refusals for the next minute are only counted "
                + "(totpd_quota_requests_total)", quota.caller.name(), refusal.bucket().key(),
                describe(quota.level(refusal.bucket(), QuotaFilter.nanos(now))));
        try {
            transactions.write(() -> {
                // Milliseconds, as every event's time is kept.
                audit.record(null, AuditEvent.Type.QUOTA_EXCEEDED, now.truncatedTo(ChronoUnit.MILLIS));
                return null;
            });
        } catch (RuntimeException e) {
            LOG.warnf("The quota-exceeded event of caller '%s' could not be recorded: %s", quota.caller.name(), e.getMessage());
        }
    }

    /** A rate for people: {@code 100 a second, bursts of 200}. */
    static String describe(CallerQuota.Level level) {
        double rate = level.rate();
        String perSecond = rate == Math.rint(rate) ? Long.toString((long) rate) : Double.toString(rate);
        return perSecond + " a second, bursts of " + level.burst();
    }
}
