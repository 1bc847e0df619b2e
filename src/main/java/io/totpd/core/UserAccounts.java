package io.totpd.core;

import io.totpd.audit.AuditEvents;
import io.totpd.db.DatabaseFailure;
import io.totpd.db.Jdbc;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The door to table {@code user_account}: every read and write of a user's row, in plain JDBC.
 *
 * <p>Concurrency rule: every write bumps {@code version}. Lifecycle calls (enroll, activate, unlock,
 * suspend, new backup codes, delete) write under the user's lock ({@link io.totpd.db.UserLock}) in a
 * transaction, and {@code /recover} under the row's own lock ({@link #lock}); {@code /verify} takes no
 * lock at all: it reads with {@link #forSignIn} and writes with {@link #signIn}, a compare-and-set that
 * changes nothing if the version moved on since the read. So no check of a code is ever decided on a
 * row another write has changed in between, on any replica.
 */
@Singleton
public class UserAccounts {

    private static final String COLUMNS = """
            u.id, u.version, u.tenant, u.user_id, u.state, u.suspended, u.created_at, u.last_verified_at, u.replay_mark,
            u.failed_attempts, u.locked_until, u.recovery_failed_attempts, u.recovery_locked_until,
            u.last_authenticator_id, u.last_authenticator_used_at""";
    private static final int COLUMN_COUNT = 15;

    /** The user and its active authenticators, in one round trip; one row per authenticator (or one with nulls). */
    private static final String SIGN_IN_READ = "SELECT " + COLUMNS + ", " + Authenticators.COLUMNS + """
             FROM user_account u LEFT JOIN authenticator a ON a.user_account_id = u.id AND a.state = 'ACTIVE'
            WHERE u.tenant = ? AND u.user_id = ? ORDER BY a.activated_at, a.id""";

    /**
     * What a check of a code changed, in one statement: the user's row if its version is still the one
     * read; only if it changed, the device the user switched away from and the device whose drift
     * moved (each only when there is one: most sign-ins write the user's row alone), and the events.
     */
    private static final String SIGN_IN_WRITE = """
            WITH changed AS (
                UPDATE user_account SET version = version + 1, state = ?, replay_mark = ?, last_verified_at = ?,
                                        failed_attempts = ?, locked_until = ?, last_authenticator_id = ?,
                                        last_authenticator_used_at = ?
                 WHERE id = ? AND version = ?
             RETURNING id, tenant, user_id),
            left_device AS (%s),
            drifted_device AS (%s)
            %s""".formatted(Authenticators.LEFT, Authenticators.DRIFTED, AuditEvents.insertFrom("changed"));

    /** A user and the authenticators a code is checked against: exactly what /verify needs. */
    public record SignIn(UserAccount user, List<Authenticator> active) {
    }

    /**
     * The authenticator rows a sign-in writes besides the user's: the one the user switched away from
     * (its id and last use; null when the user used the same device as last time) and the one whose
     * drift moved (null when it did not).
     */
    public record DeviceWrites(UUID leftId, Instant leftLastUsedAt, UUID driftedId, short drift) {
        public static final DeviceWrites NONE = new DeviceWrites(null, null, null, (short) 0);
    }

    private final DataSource dataSource;
    private final AuditEvents auditEvents;

    UserAccounts(DataSource dataSource, AuditEvents events) {
        this.dataSource = dataSource;
        this.auditEvents = events;
    }

    /** The user and its active authenticators as committed now, without a lock; null if there is no such user. */
    public SignIn forSignIn(String tenant, String userId) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement read = connection.prepareStatement(SIGN_IN_READ)) {
            read.setString(1, tenant);
            read.setString(2, userId);
            try (ResultSet row = read.executeQuery()) {
                if (!row.next()) {
                    return null;
                }
                UserAccount user = read(row);
                List<Authenticator> active = new ArrayList<>(2);
                do {
                    Authenticator authenticator = Authenticators.read(row, COLUMN_COUNT + 1);
                    if (authenticator != null) {
                        active.add(authenticator);
                    }
                } while (row.next());
                return new SignIn(user, active);
            }
        } catch (SQLException e) {
            throw Jdbc.failure("reading a user", e);
        }
    }

    /**
     * Writes what a check of a code changed in {@code user} (state, replay mark, last sign-in, last
     * device, TOTP budget) and in the {@code devices} named, together with the events; all of it only
     * if the user's row is still at the version that was read. False when another write got there
     * first, or the statement lost a race (SQLSTATE 40001 or 40P01): nothing was written, and the
     * check must be made again.
     */
    public boolean signIn(UserAccount user, DeviceWrites devices, AuditEvents.Batch events) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement write = connection.prepareStatement(SIGN_IN_WRITE)) {
            Jdbc.bind(write, user.state.name(), user.replayMark, user.lastVerifiedAt, user.totpAttempts.failures,
                    user.totpAttempts.lockedUntil, user.lastAuthenticatorId, user.lastAuthenticatorUsedAt, user.id,
                    user.version, devices.leftLastUsedAt(), devices.leftId(), devices.drift(), devices.driftedId());
            auditEvents.bind(write, 14, events);
            try (ResultSet recorded = write.executeQuery()) {
                return recorded.next() && recorded.getLong(1) > 0;
            }
        } catch (SQLException e) {
            if (DatabaseFailure.of(e).orElse(null) == DatabaseFailure.LOST_RACE) {
                // A serialization failure or deadlock rolled the one statement back whole: the same as a
                // version that moved on, so the check is made again (what PostgreSQL-compatible engines
                // such as CockroachDB raise under contention where PostgreSQL lets the version decide).
                return false;
            }
            throw Jdbc.failure("writing a sign-in", e);
        }
    }

    /** The user as committed, without a lock; null if there is none. */
    public UserAccount find(String tenant, String userId) {
        return select("SELECT " + COLUMNS + " FROM user_account u WHERE u.tenant = ? AND u.user_id = ?", tenant, userId);
    }

    /**
     * Those of {@code userIds} that exist in the tenant, by user id, as committed; the caller holds
     * their locks. One index probe per id (see {@link #NAMED}).
     */
    public Map<String, UserAccount> findAll(String tenant, Collection<String> userIds) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement("SELECT " + COLUMNS + " FROM " + NAMED)) {
            Jdbc.bind(select, userIds.toArray(String[]::new), tenant);
            Map<String, UserAccount> found = new HashMap<>();
            try (ResultSet row = select.executeQuery()) {
                while (row.next()) {
                    UserAccount user = read(row);
                    found.put(user.userId, user);
                }
            }
            return found;
        } catch (SQLException e) {
            throw Jdbc.failure("reading users", e);
        }
    }

    /**
     * The users a list of ids names ({@code ?::varchar[]}) in a tenant ({@code ?}), as {@code u}: one
     * index probe per id, whatever the planner knows. Joined plainly, a table an import has just
     * filled, with no statistics yet, is planned as a hash join over the whole tenant, and a plan
     * cached while it was small stays a scan as it grows (bench/transfer saw both). A LATERAL
     * subquery with a LIMIT (never reached: the pair is unique) cannot be flattened into such a join.
     */
    private static final String NAMED = """
            unnest(?::varchar[]) AS k(user_id)
            CROSS JOIN LATERAL (SELECT * FROM user_account WHERE tenant = ? AND user_id = k.user_id LIMIT 1) u""";

    /** Each user's active authenticators, as {@code a}: one index probe per user, as in {@link #NAMED} (a user has at most 100). */
    private static final String ACTIVE_OF_EACH = """
             LEFT JOIN LATERAL (SELECT * FROM authenticator a WHERE a.user_account_id = u.id AND a.state = 'ACTIVE'
                                 ORDER BY a.created_at, a.name LIMIT 1000) a ON true
            ORDER BY u.user_id, a.created_at, a.name""";

    /**
     * Every user of the tenant with its active authenticators (none for some), in user-id order, read
     * from one snapshot through a server-side cursor: an export's read. The cursor walks the index
     * once for the whole tenant, whatever the planner's statistics say (a keyset query per page was
     * planned, with none, as a sort of the rest of the tenant every time), and each FETCH is a
     * statement of its own, within {@code statement_timeout}. Holds one connection, in a read-only
     * transaction of its own outside any JTA transaction, until closed.
     */
    public TenantCursor tenant(String tenant) {
        Connection connection = null;
        try {
            connection = dataSource.getConnection();
            connection.setAutoCommit(false);
            connection.setReadOnly(true);
            try (PreparedStatement declare = connection.prepareStatement("DECLARE tenant_users NO SCROLL CURSOR FOR SELECT "
                    + COLUMNS + ", " + Authenticators.COLUMNS + " FROM (SELECT * FROM user_account WHERE tenant = ?) u"
                    + ACTIVE_OF_EACH)) {
                declare.setString(1, tenant);
                declare.execute();
            }
            return new TenantCursor(connection);
        } catch (SQLException e) {
            TenantCursor.release(connection);
            throw Jdbc.failure("reading users", e);
        }
    }

    /** See {@link #tenant}; not thread-safe. */
    public static final class TenantCursor implements AutoCloseable {

        private final Connection connection;
        /** The last user of the previous fetch, whose rows may go on in the next. */
        private SignIn carried;

        private TenantCursor(Connection connection) {
            this.connection = connection;
        }

        /** The next users, each complete with its active authenticators, from about {@code rows} rows; empty at the end. */
        public List<SignIn> next(int rows) {
            List<SignIn> users = new ArrayList<>();
            if (carried != null) {
                users.add(carried);
                carried = null;
            }
            try (PreparedStatement fetch = connection.prepareStatement("FETCH " + rows + " FROM tenant_users");
                    ResultSet row = fetch.executeQuery()) {
                if (collect(row, users) == rows && users.size() > 1) {
                    carried = users.remove(users.size() - 1);
                }
                return users;
            } catch (SQLException e) {
                throw Jdbc.failure("reading users", e);
            }
        }

        @Override
        public void close() {
            release(connection);
        }

        private static void release(Connection connection) {
            if (connection == null) {
                return;
            }
            try (connection) {
                connection.rollback();
                connection.setReadOnly(false);
                connection.setAutoCommit(true);
            } catch (SQLException e) {
                // The pool validates a connection before it lends it again.
            }
        }
    }

    /** Those of {@code userIds} that exist in the tenant, with their active authenticators, in user-id order; see {@link #page}. */
    public List<SignIn> named(String tenant, Collection<String> userIds) {
        return signIns("SELECT " + COLUMNS + ", " + Authenticators.COLUMNS + " FROM " + NAMED + ACTIVE_OF_EACH,
                userIds.toArray(String[]::new), tenant);
    }

    /**
     * Adds the rows (a user's columns, then an authenticator's or nulls, ordered by user) to
     * {@code users}, the first row's going on the last user there if it is the same; returns how many rows.
     */
    private static int collect(ResultSet row, List<SignIn> users) throws SQLException {
        int rows = 0;
        while (row.next()) {
            rows++;
            UUID id = row.getObject(1, UUID.class);
            SignIn current = users.isEmpty() ? null : users.get(users.size() - 1);
            if (current == null || !current.user().id.equals(id)) {
                current = new SignIn(read(row), new ArrayList<>(2));
                users.add(current);
            }
            Authenticator authenticator = Authenticators.read(row, COLUMN_COUNT + 1);
            if (authenticator != null) {
                current.active().add(authenticator);
            }
        }
        return rows;
    }

    private List<SignIn> signIns(String sql, Object... parameters) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(sql)) {
            Jdbc.bind(select, parameters);
            List<SignIn> found = new ArrayList<>();
            try (ResultSet row = select.executeQuery()) {
                collect(row, found);
            }
            return found;
        } catch (SQLException e) {
            throw Jdbc.failure("reading users", e);
        }
    }

    /** The user, its row locked until the transaction ends; null if there is none. */
    public UserAccount lock(String tenant, String userId) {
        return select("SELECT " + COLUMNS + " FROM user_account u WHERE u.tenant = ? AND u.user_id = ? FOR UPDATE",
                tenant, userId);
    }

    /** Adds the user; the caller holds the user's lock and found no row. */
    public void insert(UserAccount user) {
        insertAll(List.of(user));
    }

    /** Adds the users in one round trip; the caller holds their locks and found no rows. */
    public void insertAll(List<UserAccount> added) {
        execute("""
                INSERT INTO user_account (state, suspended, created_at, last_verified_at, replay_mark, failed_attempts,
                    locked_until, recovery_failed_attempts, recovery_locked_until, last_authenticator_id,
                    last_authenticator_used_at, id, tenant, user_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", added);
    }

    /** Writes every column but the identity and bumps the version; the caller holds a lock on the user. */
    public void update(UserAccount user) {
        updateAll(List.of(user));
    }

    /** {@link #update} of several users in one round trip; the caller holds their locks. */
    public void updateAll(List<UserAccount> changed) {
        execute("""
                UPDATE user_account SET version = version + 1, state = ?, suspended = ?, created_at = ?,
                    last_verified_at = ?, replay_mark = ?, failed_attempts = ?, locked_until = ?,
                    recovery_failed_attempts = ?, recovery_locked_until = ?, last_authenticator_id = ?,
                    last_authenticator_used_at = ?
                 WHERE id = ? AND tenant = ? AND user_id = ?""", changed);
    }

    /** Removes the user with its authenticators and backup codes (the audit trail stays); false if there was none. */
    public boolean delete(String tenant, String userId) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement delete = connection.prepareStatement(
                        "DELETE FROM user_account WHERE tenant = ? AND user_id = ?")) {
            Jdbc.bind(delete, tenant, userId);
            return delete.executeUpdate() > 0;
        } catch (SQLException e) {
            throw Jdbc.failure("deleting a user", e);
        }
    }

    private UserAccount select(String sql, Object... parameters) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(sql)) {
            Jdbc.bind(select, parameters);
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? read(row) : null;
            }
        } catch (SQLException e) {
            throw Jdbc.failure("reading a user", e);
        }
    }

    /** Runs {@code sql} once per user, in one JDBC batch (one round trip); insert and update share the parameters. */
    private void execute(String sql, List<UserAccount> rows) {
        if (rows.isEmpty()) {
            return;
        }
        try (Connection connection = dataSource.getConnection();
                PreparedStatement write = connection.prepareStatement(sql)) {
            for (UserAccount user : rows) {
                Jdbc.bind(write, user.state.name(), user.suspended, user.createdAt, user.lastVerifiedAt, user.replayMark,
                        user.totpAttempts.failures, user.totpAttempts.lockedUntil, user.recoveryAttempts.failures,
                        user.recoveryAttempts.lockedUntil, user.lastAuthenticatorId, user.lastAuthenticatorUsedAt, user.id,
                        user.tenant, user.userId);
                write.addBatch();
            }
            write.executeBatch();
        } catch (SQLException e) {
            throw Jdbc.failure("writing a user", e);
        }
    }

    private static UserAccount read(ResultSet row) throws SQLException {
        UserAccount user = new UserAccount();
        user.id = row.getObject(1, UUID.class);
        user.version = row.getLong(2);
        user.tenant = row.getString(3);
        user.userId = row.getString(4);
        user.state = UserAccount.State.valueOf(row.getString(5));
        user.suspended = row.getBoolean(6);
        user.createdAt = Jdbc.instant(row, 7);
        user.lastVerifiedAt = Jdbc.instant(row, 8);
        long mark = row.getLong(9);
        user.replayMark = row.wasNull() ? null : mark;
        user.totpAttempts.failures = row.getInt(10);
        user.totpAttempts.lockedUntil = Jdbc.instant(row, 11);
        user.recoveryAttempts.failures = row.getInt(12);
        user.recoveryAttempts.lockedUntil = Jdbc.instant(row, 13);
        user.lastAuthenticatorId = row.getObject(14, UUID.class);
        user.lastAuthenticatorUsedAt = Jdbc.instant(row, 15);
        return user;
    }
}
