package io.totpd.rotation;

import io.totpd.core.Authenticator;
import io.totpd.core.Authenticators;
import io.totpd.core.SealedSecrets;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.Startup;
import io.quarkus.scheduler.Scheduled;
import io.totpd.TotpdConfig;
import io.totpd.crypto.KeyRing;
import io.totpd.crypto.SecretUnavailableException;
import io.totpd.db.Transactions;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Moves every secret to the first configured key, online (requirement 17). Every replica runs it
 * every {@code totpd.encryption.rotation-interval}: batches lock their rows with SKIP LOCKED, so
 * replicas share the work instead of waiting on each other or on logins, and a batch interrupted by
 * a restart is simply picked up by the next run.
 *
 * <p>The rollout rule: a replica re-encrypts only while every live replica (see {@link KeyRingMembers})
 * has the same first key as itself. During a rolling change of the key order (README, "Rotate the
 * encryption key", step 2) replicas with {@code k2,k1} and {@code k1,k2} run side by side, and each
 * would move the other's rows back every interval; under this rule nothing moves until the last
 * replica has the new order, then every replica moves rows the same way. The check is renewed with
 * every batch, so a replica joining with another order stops the others after at most the batch they
 * have in flight; a replica killed without a goodbye holds the others back only until its heartbeat
 * expires (three of its rotation intervals).
 *
 * <p>A row that no configured key decrypts (its key id is no longer configured, or its ciphertext is
 * damaged or not of its row) is skipped, never rewritten or deleted: it is counted in
 * {@code totpd_secrets_undecryptable} and named (table and id, never its contents) in the log the
 * first time this process meets it. Each run walks the table once by id, so it ends however many
 * rows it skips.
 */
@ApplicationScoped
@Startup
public class KeyRotation {

    private static final Logger LOG = Logger.getLogger(KeyRotation.class);
    /** Below every random (version 4) UUID: where a walk by id starts. */
    /** Enough to name every broken row of a damaged table once, without growing without bound. */
    private static final int REPORTED_ROWS_LIMIT = 10_000;

    private final Authenticators authenticators;
    private final Transactions transactions;
    private final SealedSecrets secrets;
    private final KeyRingMembers members;
    private final String primaryKeyId;
    private final int batchSize;
    private final AtomicLong remaining = new AtomicLong();
    private final AtomicLong undecryptable = new AtomicLong();
    private final Set<UUID> reported = ConcurrentHashMap.newKeySet();
    private volatile boolean waitingForRollout;

    KeyRotation(Authenticators authenticators, Transactions transactions, SealedSecrets secrets, KeyRingMembers members,
            KeyRing keys, TotpdConfig config, MeterRegistry metrics) {
        this.authenticators = authenticators;
        this.transactions = transactions;
        this.secrets = secrets;
        this.members = members;
        this.primaryKeyId = keys.primaryId();
        this.batchSize = config.encryption().rotationBatch();
        metrics.gauge("totpd.secrets.on.old.keys", remaining);
        metrics.gauge("totpd.secrets.undecryptable", undecryptable);
    }

    /** The gauge is right from the start, not only after the first run. */
    @PostConstruct
    void count() {
        remaining.set(QuarkusTransaction.requiringNew().call(() -> authenticators.countOnOtherKeys(primaryKeyId)));
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

    /**
     * Walks the authenticators on other keys once, in the order of their key id and id (through index
     * {@code authenticator_secret_key}, so a run costs the rows left to move, not the table),
     * re-encrypting under the first key every row that no other transaction holds, in batches of
     * {@code rotation-batch} rows per transaction. Moves nothing while another live replica has another first key. Afterwards, even
     * after a failure, {@code totpd_secrets_on_old_keys} is recounted; {@code totpd_secrets_undecryptable}
     * is set by every run that walks the table to the end.
     *
     * @return how many rows moved
     * @throws RuntimeException a database failure, after the batches before it were committed
     */
    public long run() {
        Walk walk = new Walk();
        try {
            if (walk(walk)) {
                undecryptable.set(walk.skipped);
            }
        } finally {
            try {
                remaining.set(QuarkusTransaction.requiringNew().call(() -> authenticators.countOnOtherKeys(primaryKeyId)));
            } catch (RuntimeException e) {
                LOG.warnf("Could not count the secrets on old keys; the gauge keeps its last value: %s", e.getMessage());
            }
        }
        if (walk.moved > 0 || walk.skipped > 0) {
            LOG.infof("Re-encrypted %d secrets under key '%s'; skipped %d that no configured key decrypts; %d remain on old keys",
                    walk.moved, primaryKeyId, walk.skipped, remaining.get());
        }
        return walk.moved;
    }

    /** One run's tally. */
    private static final class Walk {
        long moved;
        long skipped;
    }

    /** The outcome of one batch: rows moved and skipped, and where the next starts (null: the walk is done). */
    private record Batch(int moved, int skipped, Authenticators.KeyPosition next, boolean halted) {
        static final Batch HALTED = new Batch(0, 0, null, true);
    }

    /** Walks the table to its end; false if the walk stopped because the replicas disagree or this one stops. */
    private boolean walk(Walk walk) {
        Authenticators.KeyPosition cursor = Authenticators.KeyPosition.START;
        while (true) {
            Authenticators.KeyPosition after = cursor;
            // A batch that lost a race (40001, 40P01) was rolled back whole and runs again.
            Batch batch = transactions.write(() -> rotateBatch(after));
            if (batch.halted()) {
                return false;
            }
            walk.moved += batch.moved();
            walk.skipped += batch.skipped();
            if (batch.next() == null) {
                return true;
            }
            // Strictly after the last locked row: a skipped row is never met twice in one run.
            cursor = batch.next();
        }
    }

    private Batch rotateBatch(Authenticators.KeyPosition after) {
        if (!everyReplicaEncryptsWithThisKey()) {
            return Batch.HALTED;
        }
        Authenticators.OnOtherKeys batch = authenticators.lockOnOtherKeys(primaryKeyId, after, batchSize);
        List<Authenticator> rows = batch.rows();
        int moved = 0;
        int skipped = 0;
        for (Authenticator row : rows) {
            byte[] secret;
            try {
                secret = secrets.open(row);
            } catch (SecretUnavailableException e) {
                report(row, e);
                skipped++;
                continue;
            }
            try {
                secrets.seal(row, secret);
            } finally {
                Arrays.fill(secret, (byte) 0);
            }
            authenticators.reseal(row);
            moved++;
        }
        return new Batch(moved, skipped, rows.isEmpty() ? null : batch.next(), false);
    }

    /** Renews this replica's heartbeat and applies the rollout rule; says so once when the answer changes. */
    private boolean everyReplicaEncryptsWithThisKey() {
        if (!members.heartbeat()) {
            return false;
        }
        Set<String> primaries = members.livePrimaryKeyIds();
        boolean agreed = primaries.equals(Set.of(primaryKeyId));
        if (!agreed && !waitingForRollout) {
            LOG.infof("A rollout is in progress: live replicas encrypt with keys %s; nothing is re-encrypted until every "
                    + "replica encrypts with '%s'", primaries, primaryKeyId);
        } else if (agreed && waitingForRollout) {
            LOG.infof("Every live replica encrypts with key '%s': re-encryption resumes", primaryKeyId);
        }
        waitingForRollout = !agreed;
        return agreed;
    }

    private void report(Authenticator row, SecretUnavailableException e) {
        if (reported.size() < REPORTED_ROWS_LIMIT && reported.add(row.id)) {
            // The row's key id and the reason, never its ciphertext: a damaged ciphertext is still secret material.
            LOG.warnf("Key rotation skips authenticator %s (key id '%s'): %s; it stays as it is, on its old key",
                    row.id, row.secret.secretKeyId, e.getMessage());
        }
    }
}
