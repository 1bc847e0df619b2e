package io.totpd.core;

import io.totpd.db.Jdbc;
import io.totpd.otp.HmacAlgorithm;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The door to table {@code authenticator}: every read and write of a user's devices, in plain JDBC on
 * the current transaction's connection.
 *
 * <p>Concurrency rule: a user's authenticators are added, activated, renamed and removed only under
 * that user's lock ({@link io.totpd.db.UserLock}), so those calls take turns per user and decide on
 * what the previous one committed. Two writers run without it, and neither conflicts with them:
 * {@code /verify} writes only a device's {@code drift_steps} or {@code last_used_at}, and only when the
 * drift moved or the user switched devices, in its compare-and-set on the user's row
 * ({@link UserAccounts#signIn}); key rotation rewrites only
 * {@code secret_key_id} and {@code secret_ciphertext}, of rows it locks with {@code SKIP LOCKED}.
 */
@Singleton
public class Authenticators {

    /**
     * The columns {@link #read} maps, prefixed {@code a.}, with the owner's tenant and user id ({@code u.}).
     * The last use of the user's last device is kept in the user's row (see {@link UserAccount#lastAuthenticatorId}).
     */
    static final String COLUMNS = """
            a.id, a.user_account_id, u.tenant, u.user_id, a.name, a.state, a.replaces_others, a.account_name,
            a.algorithm, a.digits, a.period_seconds, a.secret_key_id, a.secret_ciphertext, a.drift_steps,
            a.created_at, a.expires_at, a.activated_at,
            CASE WHEN u.last_authenticator_id = a.id THEN u.last_authenticator_used_at ELSE a.last_used_at END,
            a.weak_secret""";

    /**
     * /verify's write, when the user switched devices: the device left behind keeps its last use. A CTE
     * body after {@code changed}; with a null id it writes nothing.
     */
    static final String LEFT = """
            UPDATE authenticator SET last_used_at = ?
              FROM changed WHERE authenticator.id = ? AND authenticator.user_account_id = changed.id""";

    /** /verify's write, when the matched device's drift moved. A CTE body after {@code changed}; a null id writes nothing. */
    static final String DRIFTED = """
            UPDATE authenticator SET drift_steps = ?
              FROM changed WHERE authenticator.id = ? AND authenticator.user_account_id = changed.id""";

    private static final String FROM = " FROM authenticator a JOIN user_account u ON u.id = a.user_account_id ";

    private final DataSource dataSource;

    Authenticators(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** The user's authenticators, pending and active, oldest first (by name among those of one instant). */
    public List<Authenticator> list(UUID userAccountId) {
        return query("SELECT " + COLUMNS + FROM + "WHERE a.user_account_id = ? ORDER BY a.created_at, a.name", userAccountId);
    }

    /**
     * The authenticators of several users, pending and active, for an import batch that holds their
     * locks: one index probe per user, as {@code UserAccounts} reads a list of users, so that no
     * missing or stale statistics can make it a scan of the table.
     */
    public List<Authenticator> listAll(Collection<UUID> userAccountIds) {
        if (userAccountIds.isEmpty()) {
            return List.of();
        }
        return query("SELECT " + COLUMNS + " " + """
                 FROM unnest(?::uuid[]) AS k(id)
                 CROSS JOIN LATERAL (SELECT * FROM user_account WHERE id = k.id LIMIT 1) u
                 CROSS JOIN LATERAL (SELECT * FROM authenticator WHERE user_account_id = u.id LIMIT 1000) a
                 ORDER BY a.created_at, a.name""", (Object) userAccountIds.toArray(UUID[]::new));
    }

    /** Whether the user has an active authenticator: one a code can be checked against. */
    public boolean anyActive(UUID userAccountId) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(
                        "SELECT EXISTS (SELECT 1 FROM authenticator WHERE user_account_id = ? AND state = 'ACTIVE')")) {
            select.setObject(1, userAccountId);
            try (ResultSet row = select.executeQuery()) {
                row.next();
                return row.getBoolean(1);
            }
        } catch (SQLException e) {
            throw Jdbc.failure("reading authenticators", e);
        }
    }

    /** One authenticator of a user; null when the user has none by that id. */
    public Authenticator find(UUID userAccountId, UUID id) {
        List<Authenticator> found = query("SELECT " + COLUMNS + FROM + "WHERE a.user_account_id = ? AND a.id = ?",
                userAccountId, id);
        return found.isEmpty() ? null : found.get(0);
    }

    /** Any authenticator by id, for a signed QR link, which names no user; null if there is none. */
    public Authenticator findById(UUID id) {
        List<Authenticator> found = query("SELECT " + COLUMNS + FROM + "WHERE a.id = ?", id);
        return found.isEmpty() ? null : found.get(0);
    }

    public void insert(Authenticator a) {
        insertAll(List.of(a));
    }

    /** Adds several, in one round trip; the caller holds their users' locks. */
    public void insertAll(List<Authenticator> added) {
        write("""
                INSERT INTO authenticator (name, state, replaces_others, account_name, algorithm, digits, period_seconds,
                    secret_key_id, secret_ciphertext, drift_steps, created_at, expires_at, activated_at, last_used_at,
                    weak_secret, id, user_account_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", added);
    }

    /** Writes every column but the owner and id; the caller holds the user's lock. */
    public void update(Authenticator a) {
        updateAll(List.of(a));
    }

    /** {@link #update} of several, in one round trip; the caller holds their users' locks. */
    public void updateAll(List<Authenticator> changed) {
        write("""
                UPDATE authenticator SET name = ?, state = ?, replaces_others = ?, account_name = ?, algorithm = ?,
                    digits = ?, period_seconds = ?, secret_key_id = ?, secret_ciphertext = ?, drift_steps = ?,
                    created_at = ?, expires_at = ?, activated_at = ?, last_used_at = ?, weak_secret = ?
                 WHERE id = ? AND user_account_id = ?""", changed);
    }

    /** Removes one; false if the user had none by that id. The caller holds the user's lock. */
    public boolean delete(UUID userAccountId, UUID id) {
        return execute("DELETE FROM authenticator WHERE user_account_id = ? AND id = ?", userAccountId, id) > 0;
    }

    /** Removes all of the user's authenticators but {@code keep}; returns how many. The caller holds the user's lock. */
    public int deleteOthers(UUID userAccountId, UUID keep) {
        return execute("DELETE FROM authenticator WHERE user_account_id = ? AND id <> ?", userAccountId, keep);
    }

    /** Removes the user's pending authenticators that expired; they count against no limit. */
    public int deleteExpired(UUID userAccountId, Instant now) {
        return execute("DELETE FROM authenticator WHERE user_account_id = ? AND state = 'PENDING' AND expires_at <= ?",
                userAccountId, now);
    }

    /**
     * Where a key rotation's walk is, in the order of index {@code authenticator_secret_key}
     * ({@code secret_key_id, id}): in the key ids that sort {@code below} the first key's, or above
     * them, after the row of {@code keyId} and {@code id}. The walk never passes through the rows of the
     * first key, so it costs the rows on other keys, not the table.
     */
    public record KeyPosition(boolean below, String keyId, UUID id) {
        public static final KeyPosition START = new KeyPosition(true, "", new UUID(0, 0));

        static KeyPosition above(String keyId) {
            return new KeyPosition(false, keyId, new UUID(-1, -1));
        }
    }

    /** A batch of a rotation's walk, and where the next one starts. */
    public record OnOtherKeys(List<Authenticator> rows, KeyPosition next) {
    }

    /**
     * Key rotation: up to {@code limit} rows after {@code after} whose secret is not under
     * {@code keyId}, locked until the transaction ends; rows another transaction holds are skipped.
     * No rows: the walk is over.
     */
    public OnOtherKeys lockOnOtherKeys(String keyId, KeyPosition after, int limit) {
        KeyPosition from = after;
        if (from.below()) {
            List<Authenticator> rows = lockAfter("a.secret_key_id < ?", keyId, from, limit);
            if (!rows.isEmpty()) {
                return new OnOtherKeys(rows, next(true, rows));
            }
            from = KeyPosition.above(keyId);
        }
        List<Authenticator> rows = lockAfter("a.secret_key_id > ?", keyId, from, limit);
        return new OnOtherKeys(rows, rows.isEmpty() ? from : next(false, rows));
    }

    private List<Authenticator> lockAfter(String range, String keyId, KeyPosition after, int limit) {
        return query("SELECT " + COLUMNS + FROM + "WHERE " + range + " AND (a.secret_key_id, a.id) > (?, ?)"
                + " ORDER BY a.secret_key_id, a.id LIMIT ? FOR UPDATE OF a SKIP LOCKED", keyId, after.keyId(), after.id(), limit);
    }

    /** Taken before the rows are sealed again, which changes their key id. */
    private static KeyPosition next(boolean below, List<Authenticator> rows) {
        Authenticator last = rows.get(rows.size() - 1);
        return new KeyPosition(below, last.secret.secretKeyId, last.id);
    }

    /** Key rotation: writes a row's new ciphertext and key id only. */
    public void reseal(Authenticator a) {
        execute("UPDATE authenticator SET secret_key_id = ?, secret_ciphertext = ? WHERE id = ?",
                a.secret.secretKeyId, a.secret.secretCiphertext, a.id);
    }

    /**
     * How many secrets are under another key than {@code keyId}: two ranges of index
     * {@code authenticator_secret_key}, empty in steady state, instead of a scan of the table.
     */
    public long countOnOtherKeys(String keyId) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement count = connection.prepareStatement("""
                        SELECT (SELECT count(*) FROM authenticator WHERE secret_key_id < ?)
                             + (SELECT count(*) FROM authenticator WHERE secret_key_id > ?)""")) {
            count.setString(1, keyId);
            count.setString(2, keyId);
            try (ResultSet row = count.executeQuery()) {
                row.next();
                return row.getLong(1);
            }
        } catch (SQLException e) {
            throw Jdbc.failure("counting secrets", e);
        }
    }

    /** Maps the {@link #COLUMNS} that start at {@code first}; null when the row has no authenticator (an outer join). */
    static Authenticator read(ResultSet row, int first) throws SQLException {
        UUID id = row.getObject(first, UUID.class);
        if (id == null) {
            return null;
        }
        Authenticator a = new Authenticator();
        a.id = id;
        a.userAccountId = row.getObject(first + 1, UUID.class);
        a.tenant = row.getString(first + 2);
        a.userId = row.getString(first + 3);
        a.name = row.getString(first + 4);
        a.state = Authenticator.State.valueOf(row.getString(first + 5));
        a.replacesOthers = row.getBoolean(first + 6);
        a.accountName = row.getString(first + 7);
        a.secret = new TotpSecret();
        a.secret.algorithm = HmacAlgorithm.valueOf(row.getString(first + 8));
        a.secret.digits = row.getShort(first + 9);
        a.secret.periodSeconds = row.getInt(first + 10);
        a.secret.secretKeyId = row.getString(first + 11);
        a.secret.secretCiphertext = row.getBytes(first + 12);
        a.driftSteps = row.getShort(first + 13);
        a.createdAt = Jdbc.instant(row, first + 14);
        a.expiresAt = Jdbc.instant(row, first + 15);
        a.activatedAt = Jdbc.instant(row, first + 16);
        a.lastUsedAt = Jdbc.instant(row, first + 17);
        a.weakSecret = row.getBoolean(first + 18);
        return a;
    }

    private List<Authenticator> query(String sql, Object... parameters) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(sql)) {
            Jdbc.bind(select, parameters);
            List<Authenticator> found = new ArrayList<>();
            try (ResultSet row = select.executeQuery()) {
                while (row.next()) {
                    found.add(read(row, 1));
                }
            }
            return found;
        } catch (SQLException e) {
            throw Jdbc.failure("reading authenticators", e);
        }
    }

    /** The statements of insert and update take the same parameters, in this order; one JDBC batch for all rows. */
    private void write(String sql, List<Authenticator> rows) {
        if (rows.isEmpty()) {
            return;
        }
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql)) {
            for (Authenticator a : rows) {
                Jdbc.bind(statement, a.name, a.state.name(), a.replacesOthers, a.accountName, a.secret.algorithm.name(),
                        a.secret.digits, a.secret.periodSeconds, a.secret.secretKeyId, a.secret.secretCiphertext,
                        a.driftSteps, a.createdAt, a.expiresAt, a.activatedAt, a.lastUsedAt, a.weakSecret, a.id,
                        a.userAccountId);
                statement.addBatch();
            }
            statement.executeBatch();
        } catch (SQLException e) {
            throw Jdbc.failure("writing authenticators", e);
        }
    }

    private int execute(String sql, Object... parameters) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql)) {
            Jdbc.bind(statement, parameters);
            return statement.executeUpdate();
        } catch (SQLException e) {
            throw Jdbc.failure("writing authenticators", e);
        }
    }
}
