package io.totpd.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Predicate;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A real HTTP receiver of webhooks, started for the test run on a free port, and the service's two
 * endpoints pointing at it, both for tenant {@code hooks}: {@code hooks} at {@code /default} with the
 * default event types, and {@code hooks-verified} at {@code /verified}, which also subscribes to
 * {@code code.verified} and has two secrets, as during a rotation. It records every request as it
 * came; tests make it refuse, fail or hang, or stop it to be down.
 *
 * <p>{@link #verifies} checks a signature the way the Standard Webhooks specification says, with the
 * JDK's HMAC and none of the service's code, and is itself checked against the specification's
 * published test vector.
 */
@QuarkusTestResource(WebhookReceiver.class)
public class WebhookReceiver implements QuarkusTestResourceLifecycleManager {

    public static final String SECRET = "whsec_" + Base64.getEncoder().encodeToString(
            "totpd-test-webhook-secret-32-byte".getBytes(StandardCharsets.US_ASCII));
    public static final String OLD_SECRET = "whsec_" + Base64.getEncoder().encodeToString(
            "the-secret-being-rotated-out-now".getBytes(StandardCharsets.US_ASCII));
    public static final String DEFAULT = "/default";
    public static final String VERIFIED = "/verified";

    /** How the receiver answers. */
    public enum Mode {
        ACCEPT, FAIL, HANG
    }

    /** One request as it arrived: path, the three Standard Webhooks headers, the exact body. */
    public record Received(String path, String id, String timestamp, String signature, byte[] body, Instant at) {

        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        public String type() {
            return json().get("type").asText();
        }

        public String userId() {
            return json().get("data").get("userId").asText();
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<Received> RECEIVED = new CopyOnWriteArrayList<>();
    private static volatile Mode mode = Mode.ACCEPT;
    private static volatile HttpServer server;
    private static int port;

    @Override
    public Map<String, String> start() {
        listen(0);
        String base = "http://127.0.0.1:" + port;
        return Map.of(
                "totpd.webhooks.hooks.url", base + DEFAULT,
                "totpd.webhooks.hooks.tenant", "hooks",
                "totpd.webhooks.hooks.secret", SECRET,
                "totpd.webhooks.hooks-verified.url", base + VERIFIED,
                "totpd.webhooks.hooks-verified.tenant", "hooks",
                "totpd.webhooks.hooks-verified.secret", SECRET + "," + OLD_SECRET,
                "totpd.webhooks.hooks-verified.events", "*,code.verified");
    }

    @Override
    public void stop() {
        down();
    }

    private static synchronized void listen(int onPort) {
        try {
            HttpServer started = HttpServer.create(new InetSocketAddress("127.0.0.1", onPort), 50);
            started.createContext("/", WebhookReceiver::handle);
            started.setExecutor(Executors.newCachedThreadPool());
            started.start();
            port = started.getAddress().getPort();
            server = started;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void handle(HttpExchange exchange) throws IOException {
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readAllBytes();
        }
        Mode now = mode;
        if (now == Mode.HANG) {
            try {
                Thread.sleep(3000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        var headers = exchange.getRequestHeaders();
        RECEIVED.add(new Received(exchange.getRequestURI().getPath(), headers.getFirst("webhook-id"),
                headers.getFirst("webhook-timestamp"), headers.getFirst("webhook-signature"), body, Instant.now()));
        exchange.sendResponseHeaders(now == Mode.ACCEPT ? 204 : 500, -1);
        exchange.close();
    }

    /** Answers from now on as {@code mode} says. */
    public static void mode(Mode answer) {
        mode = answer;
    }

    /** Stops listening: connections are refused until {@link #up}. */
    public static synchronized void down() {
        if (server != null) {
            server.stop(0);
            server = null;
        }
    }

    /** Listens again, on the same port, and accepts. */
    public static synchronized void up() {
        mode = Mode.ACCEPT;
        if (server == null) {
            listen(port);
        }
    }

    /** The requests that arrived at {@code path} about {@code userId}, in the order they came. */
    public static List<Received> of(String path, String userId) {
        List<Received> found = new ArrayList<>();
        for (Received received : RECEIVED) {
            if (received.path().equals(path) && received.userId().equals(userId)) {
                found.add(received);
            }
        }
        return found;
    }

    /** Waits up to 20 s until the requests at {@code path} about {@code userId} satisfy {@code done}; returns them. */
    public static List<Received> await(String path, String userId, Predicate<List<Received>> done) {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
        List<Received> found = of(path, userId);
        while (!done.test(found) && Instant.now().isBefore(deadline)) {
            pause(Duration.ofMillis(50));
            found = of(path, userId);
        }
        return found;
    }

    /** The event types that arrived at {@code path} about {@code userId}, once {@code count} of them have. */
    public static List<String> awaitTypes(String path, String userId, int count) {
        return await(path, userId, r -> r.size() >= count).stream().map(Received::type).toList();
    }

    public static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Whether the {@code webhook-signature} header holds a {@code v1} signature of
     * {@code id.timestamp.body} under {@code secret} (whsec_ and base64), as the specification says.
     */
    public static boolean verifies(String secret, String id, String timestamp, byte[] body, String header) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring("whsec_".length())), "HmacSHA256"));
            mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
            String expected = "v1," + Base64.getEncoder().encodeToString(mac.doFinal(body));
            for (String signature : header.split(" ")) {
                if (java.security.MessageDigest.isEqual(signature.getBytes(StandardCharsets.US_ASCII),
                        expected.getBytes(StandardCharsets.US_ASCII))) {
                    return true;
                }
            }
            return false;
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
