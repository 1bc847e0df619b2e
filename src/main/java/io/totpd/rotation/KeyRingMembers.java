package io.totpd.rotation;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.totpd.TotpdConfig;
import io.totpd.crypto.KeyRing;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * The running replicas and the key each one encrypts with, in the table {@code key_ring_member}: a
 * heartbeat per replica, so that {@link KeyRotation} re-encrypts only when every replica agrees on
 * the first key. It holds key ids, never a key or a secret.
 *
 * <p>Concurrency: each replica writes only its own row, keyed by a random id drawn at start-up: an
 * upsert at start-up and in the transaction of every rotation batch, a delete when it stops
 * gracefully. Nobody locks another replica's row and reads take no lock, so a replica that joins
 * with another first key is seen by the others at their next batch: at most the batch each one has
 * in flight still moves. Liveness is a lease, {@code expires_at}, that each replica sets three of its
 * own rotation intervals ahead by the database clock, so neither the replicas' clocks nor their
 * intervals need to agree. The row of a replica killed without a goodbye stops counting when its
 * lease runs out, and the next replica to start deletes it.
 */
@ApplicationScoped
public class KeyRingMembers {

    /** Three intervals: a replica may miss two heartbeats (a slow run, a pause) before it stops counting. */
    static final int LEASE_INTERVALS = 3;

    private static final Logger LOG = Logger.getLogger(KeyRingMembers.class);

    private final EntityManager entities;
    private final UUID replicaId = UUID.randomUUID();
    private final String primaryKeyId;
    private final String keyIds;
    private final Duration lease;
    private volatile boolean left;

    KeyRingMembers(EntityManager entities, KeyRing keys, TotpdConfig config) {
        this.entities = entities;
        this.primaryKeyId = keys.primaryId();
        // KeyRing.parse has already refused any malformed entry; only the ids, in order, are kept here.
        this.keyIds = config.encryption().keys().orElse(List.of()).stream()
                .map(entry -> entry.substring(0, entry.indexOf(':')).trim())
                .collect(Collectors.joining(","));
        this.lease = config.encryption().rotationInterval().multipliedBy(LEASE_INTERVALS);
    }

    void join(@Observes StartupEvent event) {
        QuarkusTransaction.requiringNew().run(() -> {
            int expired = entities.createNativeQuery("DELETE FROM key_ring_member WHERE expires_at < now()").executeUpdate();
            if (expired > 0) {
                LOG.infof("Forgot %d key ring members whose heartbeat had expired (replicas killed without a goodbye)", expired);
            }
            heartbeat();
        });
    }

    void leave(@Observes ShutdownEvent event) {
        left = true;
        try {
            QuarkusTransaction.requiringNew().run(() -> entities.createNativeQuery(
                    "DELETE FROM key_ring_member WHERE replica_id = ?1").setParameter(1, replicaId).executeUpdate());
        } catch (RuntimeException e) {
            LOG.warnf("Could not remove this replica from the key ring members; its heartbeat expires within %s: %s",
                    lease, e.getMessage());
        }
    }

    /**
     * Renews this replica's lease, within the caller's transaction. Returns false once the replica is
     * stopping: it has deleted its row, and a job still running must not bring it back.
     */
    boolean heartbeat() {
        if (left) {
            return false;
        }
        entities.createNativeQuery("""
                        INSERT INTO key_ring_member (replica_id, primary_key_id, key_ids, seen_at, expires_at)
                        VALUES (?1, ?2, ?3, now(), now() + ?4 * interval '1 millisecond')
                        ON CONFLICT (replica_id) DO UPDATE SET primary_key_id = excluded.primary_key_id,
                            key_ids = excluded.key_ids, seen_at = excluded.seen_at, expires_at = excluded.expires_at""")
                .setParameter(1, replicaId)
                .setParameter(2, primaryKeyId)
                .setParameter(3, keyIds)
                .setParameter(4, lease.toMillis())
                .executeUpdate();
        return true;
    }

    /** The first key ids of every replica whose lease has not run out, sorted; this one's too after a heartbeat. */
    Set<String> livePrimaryKeyIds() {
        @SuppressWarnings("unchecked")
        List<String> ids = entities.createNativeQuery(
                "SELECT DISTINCT primary_key_id FROM key_ring_member WHERE expires_at > now()").getResultList();
        return new TreeSet<>(ids);
    }
}
