package io.totpd.support;

import io.totpd.dev.Ports;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A PgBouncer (the Debian package's binary) in transaction pooling mode in front of one database:
 * its configuration, user list, pid file and log (pgbouncer.log, across restarts) live in one
 * directory under target/, and it listens
 * on 127.0.0.1 at a port picked once, which a restart keeps. PgBouncer refuses to run as root, so
 * when the tests run as root it runs as the unprivileged user {@code postgres} (which Debian's
 * postgresql-common, a dependency of pgbouncer, creates), or {@code nobody}.
 *
 * <p>Stateless apart from that directory: {@link #in} finds a running one again from any class loader.
 */
public final class PgBouncer {

    private static final String BINARY = "/usr/sbin/pgbouncer";

    private final Path directory;
    private final int port;

    private PgBouncer(Path directory, int port) {
        this.directory = directory;
        this.port = port;
    }

    /**
     * Writes the configuration for {@code database} on {@code serverPort} of this machine, reached by
     * {@code user} with {@code password} (SCRAM between the service and PgBouncer, and between
     * PgBouncer and the server), into a new directory under {@code parent}, and starts PgBouncer.
     */
    public static PgBouncer start(Path parent, int serverPort, String database, String user, String password) {
        try {
            int port = Ports.unused();
            Path directory = Files.createDirectories(parent.resolve("pgbouncer-" + port).toAbsolutePath());
            Files.writeString(directory.resolve("userlist.txt"), "\"" + user + "\" \"" + password + "\"\n", StandardCharsets.UTF_8);
            Files.writeString(directory.resolve("pgbouncer.ini"), String.join("\n",
                    "[databases]",
                    database + " = host=127.0.0.1 port=" + serverPort + " dbname=" + database,
                    "",
                    "[pgbouncer]",
                    "pool_mode = transaction",
                    "listen_addr = 127.0.0.1",
                    "listen_port = " + port,
                    "unix_socket_dir =",
                    "auth_type = scram-sha-256",
                    "auth_file = " + directory.resolve("userlist.txt"),
                    "pidfile = " + directory.resolve("pgbouncer.pid"),
                    // pgjdbc sends extra_float_digits at start-up; PgBouncer 1.18 refuses a client that
                    // sends a parameter it does not know, unless told to ignore it.
                    "ignore_startup_parameters = extra_float_digits",
                    // More server connections than the service's pool (20) plus what a test holds
                    // beside it, so that no transaction waits in PgBouncer's queue.
                    "default_pool_size = 40",
                    "max_client_conn = 200",
                    ""), StandardCharsets.UTF_8);
            PgBouncer pgBouncer = new PgBouncer(directory, port);
            pgBouncer.handOverDirectory();
            pgBouncer.start();
            return pgBouncer;
        } catch (IOException e) {
            throw new UncheckedIOException("could not configure PgBouncer under " + parent, e);
        }
    }

    /** The PgBouncer configured in {@code directory} by {@link #start(Path, int, String, String, String)}. */
    public static PgBouncer in(Path directory) {
        try {
            String port = Files.readAllLines(directory.resolve("pgbouncer.ini")).stream()
                    .filter(line -> line.startsWith("listen_port = "))
                    .findFirst().orElseThrow().substring("listen_port = ".length());
            return new PgBouncer(directory, Integer.parseInt(port.trim()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path directory() {
        return directory;
    }

    /** The URL through PgBouncer: no protocol-level prepared statements, which it cannot keep track of. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database + "?prepareThreshold=0";
    }

    /** Starts PgBouncer on its port and waits until it accepts connections. */
    public void start() {
        List<String> command = new ArrayList<>();
        String runAs = unprivilegedUser();
        if (runAs != null) {
            // setpriv execs pgbouncer itself (runuser would stay in between as its parent).
            command.addAll(List.of("setpriv", "--reuid=" + runAs, "--regid=" + runAs, "--init-groups"));
        }
        command.addAll(List.of(BINARY, directory.resolve("pgbouncer.ini").toString()));
        try {
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(directory.resolve("pgbouncer.log").toFile()))
                    .start();
            Instant deadline = Instant.now().plusSeconds(10);
            while (!accepts()) {
                if (!process.isAlive() || Instant.now().isAfter(deadline)) {
                    process.destroyForcibly();
                    throw new IllegalStateException("PgBouncer did not start on port " + port + "; see " + directory);
                }
                Thread.sleep(50);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + BINARY + " (Debian package pgbouncer)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Stops PgBouncer at once (SIGTERM: PgBouncer closes every client and server connection without
     * waiting for transactions), and waits until it is gone.
     */
    public void stop() {
        Path pidFile = directory.resolve("pgbouncer.pid");
        try {
            if (!Files.exists(pidFile)) {
                return;
            }
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            ProcessHandle.of(pid).ifPresent(process -> {
                process.destroy();
                try {
                    process.onExit().get(10, TimeUnit.SECONDS);
                } catch (Exception e) {
                    process.destroyForcibly();
                }
            });
            Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
            while (accepts() && Instant.now().isBefore(deadline)) {
                Thread.sleep(50);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private boolean accepts() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Lets the unprivileged user read the configuration and write the pid file and log. */
    private void handOverDirectory() throws IOException {
        String runAs = unprivilegedUser();
        if (runAs == null) {
            return;
        }
        UserPrincipalLookupService users = directory.getFileSystem().getUserPrincipalLookupService();
        try (var files = Files.list(directory)) {
            for (Path path : files.toList()) {
                Files.setOwner(path, users.lookupPrincipalByName(runAs));
            }
        }
        Files.setOwner(directory, users.lookupPrincipalByName(runAs));
    }

    /** Whom PgBouncer runs as when the tests run as root; null when they do not. */
    private static String unprivilegedUser() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return null;
        }
        try {
            Files.readAllLines(Path.of("/etc/passwd")).stream().filter(line -> line.startsWith("postgres:")).findFirst().orElseThrow();
            return "postgres";
        } catch (Exception e) {
            return "nobody";
        }
    }
}
