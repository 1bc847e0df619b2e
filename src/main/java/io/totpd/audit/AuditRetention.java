package io.totpd.audit;

import io.quarkus.scheduler.Scheduled;
import io.totpd.TotpdConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * Deletes audit events past their retention. Every replica runs it: a delete of old rows is the same
 * whoever does it, and small batches keep each transaction short.
 */
@ApplicationScoped
public class AuditRetention {

    private static final Logger LOG = Logger.getLogger(AuditRetention.class);
    private static final int BATCH = 1_000;

    private final AuditEvents events;
    private final Clock clock;
    private final Duration retention;

    AuditRetention(AuditEvents events, Clock clock, TotpdConfig config) {
        this.events = events;
        this.clock = clock;
        this.retention = config.audit().retention();
    }

    @Scheduled(every = "1h", delayed = "1m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public void purge() {
        var cutoff = clock.instant().minus(retention);
        long deleted = 0;
        int batch;
        do {
            batch = events.deleteOlderThan(cutoff, BATCH);
            deleted += batch;
        } while (batch == BATCH);
        if (deleted > 0) {
            LOG.infof("Deleted %d audit events older than %s", deleted, cutoff);
        }
    }
}
