package io.totpd.factor;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.Startup;
import io.quarkus.scheduler.Scheduled;
import io.totpd.TotpdConfig;
import io.totpd.crypto.KeyRing;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Moves every secret to the first configured key, online. Every replica runs it: batches lock their
 * rows with SKIP LOCKED, so replicas share the work instead of waiting on each other or on logins,
 * and a batch interrupted by a restart is simply picked up by the next run.
 */
@ApplicationScoped
@Startup
public class KeyRotation {

    private static final Logger LOG = Logger.getLogger(KeyRotation.class);

    private final EntityManager entities;
    private final SealedSecrets secrets;
    private final String primaryKeyId;
    private final int batchSize;
    private final AtomicLong remaining = new AtomicLong();

    KeyRotation(EntityManager entities, SealedSecrets secrets, KeyRing keys, TotpdConfig config, MeterRegistry metrics) {
        this.entities = entities;
        this.secrets = secrets;
        this.primaryKeyId = keys.primaryId();
        this.batchSize = config.encryption().rotationBatch();
        metrics.gauge("totpd.secrets.on.old.keys", remaining);
    }

    /** The gauge is right from the start, not only after the first run. */
    @PostConstruct
    void count() {
        remaining.set(QuarkusTransaction.requiringNew().call(this::countOnOldKeys));
    }

    @Scheduled(every = "{totpd.encryption.rotation-interval}", delayed = "{totpd.encryption.rotation-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        try {
            run();
        } catch (RuntimeException e) {
            LOG.errorf("Key rotation stopped, to be resumed at the next run: %s", e.getMessage());
        }
    }

    /** Re-encrypts until no unlocked row is left on an old key; returns how many rows moved. */
    public long run() {
        long moved = 0;
        int batch;
        do {
            batch = QuarkusTransaction.requiringNew().call(this::rotateBatch);
            moved += batch;
        } while (batch > 0);
        remaining.set(QuarkusTransaction.requiringNew().call(this::countOnOldKeys));
        if (moved > 0) {
            LOG.infof("Re-encrypted %d secrets under key '%s'; %d remain on old keys", moved, primaryKeyId, remaining.get());
        }
        return moved;
    }

    private int rotateBatch() {
        List<Factor> factors = lockBatch("factor", Factor.class);
        for (Factor factor : factors) {
            byte[] secret = secrets.open(factor);
            secrets.seal(factor, secret);
            Arrays.fill(secret, (byte) 0);
        }
        List<Enrollment> enrollments = lockBatch("enrollment", Enrollment.class);
        for (Enrollment enrollment : enrollments) {
            byte[] secret = secrets.open(enrollment);
            secrets.seal(enrollment, secret);
            Arrays.fill(secret, (byte) 0);
        }
        return factors.size() + enrollments.size();
    }

    @SuppressWarnings("unchecked")
    private <T> List<T> lockBatch(String table, Class<T> type) {
        return entities.createNativeQuery("SELECT * FROM " + table
                        + " WHERE secret_key_id <> ?1 ORDER BY id LIMIT ?2 FOR UPDATE SKIP LOCKED", type)
                .setParameter(1, primaryKeyId)
                .setParameter(2, batchSize)
                .getResultList();
    }

    private long countOnOldKeys() {
        return ((Number) entities.createNativeQuery("SELECT (SELECT count(*) FROM factor WHERE secret_key_id <> ?1)"
                + " + (SELECT count(*) FROM enrollment WHERE secret_key_id <> ?1)")
                .setParameter(1, primaryKeyId).getSingleResult()).longValue();
    }
}
