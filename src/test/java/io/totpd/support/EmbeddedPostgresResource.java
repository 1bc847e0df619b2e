package io.totpd.support;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.totpd.dev.EmbeddedDatabase;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

/**
 * Every test runs against a real PostgreSQL: the embedded one, or the server named by
 * QUARKUS_DATASOURCE_JDBC_URL when that is set.
 *
 * <p>With {@code -Dtotpd-test.through-pgbouncer=true} (the build's second test run), the service
 * reaches the embedded PostgreSQL only through a {@link PgBouncer} in transaction pooling mode, set up
 * as a deployment behind one should be: a role {@code totpd} that owns database {@code totpd} and
 * carries the service's timeouts itself ({@code ALTER ROLE ... SET}), since a session {@code SET} does
 * not survive a transaction pooler; the pooled URL with {@code prepareThreshold=0}; the datasource's
 * {@code new-connection-sql} cleared, so no test passes by a SET that happened to land on the right
 * server connection; and Flyway on a direct connection of its own. A server named by
 * QUARKUS_DATASOURCE_JDBC_URL is used as it is in both runs.
 */
@QuarkusTestResource(EmbeddedPostgresResource.class)
public class EmbeddedPostgresResource implements QuarkusTestResourceLifecycleManager {

    /** The system property that puts PgBouncer between the service and PostgreSQL. */
    public static final String THROUGH_PGBOUNCER = "totpd-test.through-pgbouncer";
    /** Where the running PgBouncer keeps its files (see {@link PgBouncer#in}), set only when there is one. */
    public static final String PGBOUNCER_DIRECTORY = "totpd-test.pgbouncer-directory";

    private static final String ROLE = "totpd";
    private static final String PASSWORD = "totpd-test-password";

    private EmbeddedPostgres postgres;
    private PgBouncer pgBouncer;

    @Override
    public Map<String, String> start() {
        if (System.getenv("QUARKUS_DATASOURCE_JDBC_URL") != null) {
            return Map.of();
        }
        postgres = EmbeddedDatabase.startEphemeral();
        if (!Boolean.getBoolean(THROUGH_PGBOUNCER)) {
            return EmbeddedDatabase.datasourceConfig(postgres);
        }
        createRoleAndDatabase();
        pgBouncer = PgBouncer.start(Path.of("target"), postgres.getPort(), ROLE, ROLE, PASSWORD);
        return Map.of(
                "quarkus.datasource.jdbc.url", pgBouncer.jdbcUrl(ROLE),
                "quarkus.datasource.username", ROLE,
                "quarkus.datasource.password", PASSWORD,
                "quarkus.datasource.jdbc.new-connection-sql", "",
                "quarkus.flyway.jdbc-url", "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/" + ROLE,
                "quarkus.flyway.username", ROLE,
                "quarkus.flyway.password", PASSWORD,
                PGBOUNCER_DIRECTORY, pgBouncer.directory().toString());
    }

    /** What the README asks of a database behind a transaction pooler: the timeouts belong to the role. */
    private void createRoleAndDatabase() {
        try (Connection connection = postgres.getPostgresDatabase().getConnection(); Statement sql = connection.createStatement()) {
            sql.execute("CREATE ROLE " + ROLE + " LOGIN PASSWORD '" + PASSWORD + "'");
            sql.execute("ALTER ROLE " + ROLE + " SET lock_timeout = '1s'");
            sql.execute("ALTER ROLE " + ROLE + " SET statement_timeout = '1500ms'");
            sql.execute("CREATE DATABASE " + ROLE + " OWNER " + ROLE);
        } catch (SQLException e) {
            throw new IllegalStateException("could not create the role and database behind PgBouncer", e);
        }
    }

    @Override
    public void stop() {
        if (pgBouncer != null) {
            pgBouncer.stop();
        }
        if (postgres != null) {
            try {
                postgres.close();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
