package io.totpd.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.totpd.db.Jdbc;
import jakarta.inject.Inject;
import java.io.FileInputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;

/**
 * An https receiver whose certificate the JVM does not trust (self-signed, made here with the JDK's
 * keytool) gets nothing: the attempt fails in the handshake, before a byte of the event is sent, and
 * the delivery stays pending with the reason in words. The endpoint is one no sender serves, so only
 * this test sends its row.
 */
@QuarkusTest
class WebhookTlsTest {

    @Inject
    WebhookSender sender;

    @Inject
    AgroalDataSource dataSource;

    @Inject
    Clock clock;

    @Test
    void aReceiverWithAnUntrustedCertificateGetsNothingAndTheDeliveryWaitsWithTheReason() throws Exception {
        AtomicInteger requests = new AtomicInteger();
        HttpsServer receiver = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 10);
        receiver.setHttpsConfigurator(new HttpsConfigurator(selfSigned()));
        receiver.createContext("/", exchange -> {
            requests.incrementAndGet();
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        String name = "tls-" + System.nanoTime();
        try {
            long id = pendingDelivery(name);
            var endpoint = new Endpoints.Endpoint(name, URI.create("https://localhost:" + receiver.getAddress().getPort() + "/hooks"),
                    "tls", List.of("a-webhook-secret-of-32-bytes-abc".getBytes(StandardCharsets.US_ASCII)), Set.of());

            assertEquals(1, sender.sendDue(endpoint));

            assertEquals(0, requests.get(), "the receiver must not get the event");
            try (Connection connection = dataSource.getConnection();
                    PreparedStatement select = connection.prepareStatement(
                            "SELECT status, attempts, last_status, last_error FROM webhook_delivery WHERE id = ?")) {
                select.setLong(1, id);
                try (ResultSet row = select.executeQuery()) {
                    row.next();
                    assertEquals("pending", row.getString(1));
                    assertEquals(1, row.getInt(2));
                    assertEquals(null, row.getObject(3));
                    assertEquals("the TLS handshake failed (is the receiver's certificate trusted?)", row.getString(4));
                }
            }
        } finally {
            receiver.stop(0);
        }
    }

    private long pendingDelivery(String endpoint) throws Exception {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement insert = connection.prepareStatement("""
                        INSERT INTO webhook_delivery (endpoint, event_id, type, tenant, user_id, caller, request_id, occurred_at,
                                                      next_attempt_at, retry_from)
                        VALUES (?, 1, 'user.locked', 'tls', 'u', 'c', 'r', ?, ?, ?)
                        RETURNING id""")) {
            // Due a minute ago on the service's clock, which is the tests' and need not be the database's.
            Instant due = clock.instant().minusSeconds(60);
            Jdbc.bind(insert, endpoint, due, due, due);
            try (ResultSet row = insert.executeQuery()) {
                row.next();
                return row.getLong(1);
            }
        }
    }

    /** A server context with a new self-signed certificate for localhost, which no trust store holds. */
    private static SSLContext selfSigned() throws Exception {
        Path dir = Files.createTempDirectory("webhook-tls");
        Path store = dir.resolve("receiver.p12");
        char[] password = "receiver".toCharArray();
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "receiver", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", store.toString(), "-storepass", new String(password)).redirectErrorStream(true).start();
        String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, keytool.waitFor(), output);
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(store.toFile())) {
            keys.load(in, password);
        }
        KeyManagerFactory managers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        managers.init(keys, password);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(managers.getKeyManagers(), null, null);
        return context;
    }
}
