package io.totpd.support;

import io.totpd.crypto.Aead;
import io.totpd.crypto.Fields;
import io.totpd.crypto.KeyRing;
import io.totpd.otp.Secrets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Users with one active authenticator each, written straight into the tables, encrypted as the service
 * encrypts them, as an earlier deployment (or one with another key) would have left them: many users
 * in a moment.
 */
public final class SeededFactors {

    private SeededFactors() {
    }

    /**
     * Inserts a user with an active SHA1/6/30 authenticator for each user id, sealed under {@code keyEntry}
     * ({@code id:base64}), its replay mark at the end of {@code lastStep}; returns each user's secret.
     */
    public static Map<String, byte[]> insert(Connection connection, String keyEntry, String tenant, List<String> userIds,
            long lastStep) throws SQLException {
        Aead aead = new Aead(KeyRing.parse(List.of(keyEntry)));
        Map<String, byte[]> secrets = new LinkedHashMap<>();
        try (PreparedStatement insert = connection.prepareStatement("""
                WITH u AS (
                    INSERT INTO user_account (id, tenant, user_id, state, created_at, replay_mark)
                    VALUES (gen_random_uuid(), ?, ?, 'ACTIVE', now(), (? + 1) * 30) RETURNING id)
                INSERT INTO authenticator (id, user_account_id, name, state, algorithm, digits, period_seconds,
                    secret_key_id, secret_ciphertext, created_at, activated_at)
                SELECT ?, u.id, 'Authenticator', 'ACTIVE', 'SHA1', 6, 30, ?, ?, now(), now() FROM u""")) {
            for (String userId : userIds) {
                UUID id = UUID.randomUUID();
                byte[] secret = Secrets.generate();
                Aead.Sealed sealed = aead.encrypt(secret, Fields.encode("totpd.factor.v1", tenant, userId, id.toString()));
                insert.setString(1, tenant);
                insert.setString(2, userId);
                insert.setLong(3, lastStep);
                insert.setObject(4, id);
                insert.setString(5, sealed.keyId());
                insert.setBytes(6, sealed.ciphertext());
                insert.addBatch();
                secrets.put(userId, secret);
            }
            insert.executeBatch();
        }
        return secrets;
    }
}
