package io.totpd.audit;

import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.totpd.TotpdConfig;
import io.totpd.db.DatabaseFailure;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.jboss.logging.Logger;

/**
 * Keeps the partitions of the audit trail: on start-up and every hour, makes those for the current
 * and the next interval ({@code totpd.audit.partition}, a month by default) where they are missing,
 * and drops each partition whose whole range is older than {@code totpd.audit.retention}. Both cost
 * the partitions changed, never the events: a month of events goes in one DROP.
 *
 * <p>Every replica runs it; whichever takes the partitions' advisory lock first does the work and the
 * others find nothing left to do. A change that waits for a table lock longer than {@link #LOCK_WAIT}
 * or loses a race (SQLSTATE 55P03, 40001, 40P01) is tried again a few times, then left for the next
 * run: until then events still go in (to the default partition, if need be) and old ones stay.
 */
@ApplicationScoped
public class AuditPartitions {

    private static final Logger LOG = Logger.getLogger(AuditPartitions.class);
    /** How long a partition change may hold up the inserts queued behind it, at worst. */
    static final Duration LOCK_WAIT = Duration.ofMillis(200);
    static final int ATTEMPTS = 5;

    private final AuditEvents events;
    private final Clock clock;
    private final Duration retention;
    private final PartitionInterval interval;

    AuditPartitions(AuditEvents events, Clock clock, TotpdConfig config) {
        this.events = events;
        this.clock = clock;
        this.retention = config.audit().retention();
        this.interval = config.audit().partition();
    }

    void onStart(@Observes StartupEvent event) {
        runOrWarn("at start-up");
    }

    @Scheduled(every = "1h", delayed = "1m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void hourly() {
        runOrWarn("this hour");
    }

    /** A failed run is not a reason to stop: events go to the default partition until the next one. */
    private void runOrWarn(String when) {
        try {
            run();
        } catch (RuntimeException e) {
            LOG.warnf("Could not keep the audit trail's partitions %s; the next hourly run tries again: %s", when,
                    e.getMessage());
        }
    }

    /**
     * Makes the missing partitions up to the end of the next interval, then drops those past their
     * retention, as of the clock's now. Throws {@link jakarta.persistence.PersistenceException} when a
     * change keeps failing.
     */
    public void run() {
        Instant now = clock.instant();
        List<AuditEvents.Partition> partitions = events.partitions();
        Instant covered = partitions.isEmpty() ? interval.start(now) : partitions.get(partitions.size() - 1).to();
        Instant horizon = interval.next(interval.next(now));
        while (covered.isBefore(horizon)) {
            Instant from = covered;
            Instant to = interval.next(from);
            if (!attempt(() -> events.createPartition(from, to, LOCK_WAIT))) {
                return;
            }
            LOG.infof("Made the audit events' partition from %s to %s", from, to);
            covered = to;
        }
        Instant cutoff = now.minus(retention);
        for (AuditEvents.Partition partition : partitions) {
            if (partition.to().isAfter(cutoff)) {
                break;
            }
            long started = System.nanoTime();
            if (!attempt(() -> events.dropPartition(partition, LOCK_WAIT))) {
                return;
            }
            LOG.infof("Dropped the audit events from %s to %s (partition %s), past their retention of %s, in %d ms",
                    partition.from(), partition.to(), partition.name(), retention, (System.nanoTime() - started) / 1_000_000);
        }
    }

    /** Runs a partition change; false when another replica is at work or the change kept failing. */
    private static boolean attempt(BooleanSupplier change) {
        for (int attempt = 1; ; attempt++) {
            try {
                return change.getAsBoolean();
            } catch (RuntimeException e) {
                DatabaseFailure failure = DatabaseFailure.of(e).orElse(null);
                boolean again = failure == DatabaseFailure.LOCK_TIMEOUT || failure == DatabaseFailure.LOST_RACE;
                if (!again || attempt == ATTEMPTS) {
                    throw e;
                }
                try {
                    Thread.sleep(LOCK_WAIT.toMillis() * attempt);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }
}
