package io.totpd.verification;

import io.totpd.core.Checked;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

/**
 * Logs and counts every code check once it has committed (REQUIREMENTS 21). Log lines carry the
 * user id and the outcome, never the code; metric tags carry neither user nor code.
 */
@Singleton
public class CodeCheckLog {

    private static final Logger LOG = Logger.getLogger("io.totpd.outcome");

    private final MeterRegistry metrics;

    CodeCheckLog(MeterRegistry metrics) {
        this.metrics = metrics;
    }

    public <T> Checked<T> record(String operation, String userId, Checked<T> checked) {
        String outcome = checked.failure() == null ? "accepted" : checked.failure().type().slug();
        metrics.counter("totpd.code.checks", "operation", operation, "outcome", outcome).increment();
        // Joined here rather than with infof: its format string is parsed again for every line.
        LOG.info(operation + " " + outcome + " user=" + userId);
        return checked;
    }
}
