package io.totpd.portal.users;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/**
 * The table {@code portal_user}, the one class that reads and writes it (plain JDBC: five statements
 * do not need an ORM). Each method is one statement in its own transaction (auto-commit).
 */
@ApplicationScoped
public class Users {

    /** What a sign-in reads: the user and the password hash, which nothing else ever needs. */
    public record Login(User user, String passwordHash) {
        @Override
        public String toString() {
            return "Login[user=" + user + "]";
        }
    }

    private static final String COLUMNS = "id, email, two_factor, session_epoch";

    private final AgroalDataSource dataSource;

    Users(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Adds a user whose password is already hashed.
     *
     * @return the new user, or empty when the address is taken, in any case
     */
    public Optional<User> create(String email, String passwordHash) {
        return one("INSERT INTO portal_user (email, password_hash) VALUES (?, ?) "
                + "ON CONFLICT (lower(email)) DO NOTHING RETURNING " + COLUMNS, email, passwordHash);
    }

    /** The user with this address, in any case, with the password hash to check. */
    public Optional<Login> login(String email) {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement statement = connection.prepareStatement(
                     "SELECT " + COLUMNS + ", password_hash FROM portal_user WHERE lower(email) = lower(?)")) {
            statement.setString(1, email);
            try (ResultSet row = statement.executeQuery()) {
                return row.next() ? Optional.of(new Login(user(row), row.getString("password_hash"))) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("reading a portal user failed", e);
        }
    }

    /** The user with this id. */
    public Optional<User> find(long id) {
        return one("SELECT " + COLUMNS + " FROM portal_user WHERE id = ?", id);
    }

    /** Records that sign-in now asks for a code (after the first authenticator's first code), or no longer does. */
    public void setTwoFactor(long id, boolean on) {
        one("UPDATE portal_user SET two_factor = ? WHERE id = ? RETURNING " + COLUMNS, on, id);
    }

    /** Ends every session of the user: cookies carry the epoch, and this raises it. */
    public void endSessions(long id) {
        one("UPDATE portal_user SET session_epoch = session_epoch + 1 WHERE id = ? RETURNING " + COLUMNS, id);
    }

    private Optional<User> one(String sql, Object... parameters) {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                statement.setObject(i + 1, parameters[i]);
            }
            try (ResultSet row = statement.executeQuery()) {
                return row.next() ? Optional.of(user(row)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("a statement on portal_user failed", e);
        }
    }

    private static User user(ResultSet row) throws SQLException {
        return new User(row.getLong("id"), row.getString("email"), row.getBoolean("two_factor"), row.getInt("session_epoch"));
    }
}
