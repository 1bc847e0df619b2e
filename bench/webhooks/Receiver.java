import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The webhook receiver of {@code WEBHOOKS=1 bench/run}: as cheap as a receiver can be, since it shares
 * the two cores with the service and PostgreSQL. Every POST is read to its end and answered 204, and
 * counted, with the distinct {@code webhook-id} headers seen (so a message sent twice shows). It checks
 * no signature. {@code GET /count} answers "posts distinct"; at exit (SIGTERM) it prints the same.
 *
 * <pre>java bench/webhooks/Receiver.java [port, 8097] [threads, 2]</pre>
 */
public class Receiver {

    public static void main(String[] args) throws IOException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8097;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        AtomicLong posts = new AtomicLong();
        Set<String> ids = ConcurrentHashMap.newKeySet();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1024);
        server.createContext("/", exchange -> {
            try (exchange) {
                if (exchange.getRequestMethod().equals("POST")) {
                    drain(exchange);
                    String id = exchange.getRequestHeaders().getFirst("webhook-id");
                    if (id != null) {
                        ids.add(id);
                    }
                    posts.incrementAndGet();
                    exchange.sendResponseHeaders(204, -1);
                } else {
                    byte[] body = (posts.get() + " " + ids.size() + "\n").getBytes(StandardCharsets.US_ASCII);
                    exchange.sendResponseHeaders(200, body.length);
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(body);
                    }
                }
            }
        });
        server.setExecutor(Executors.newFixedThreadPool(threads));
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
                System.out.println("receiver: " + posts.get() + " requests, " + ids.size() + " distinct webhook-id")));
        server.start();
        System.out.println("receiver: listening on 127.0.0.1:" + port + " with " + threads + " threads");
    }

    private static void drain(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            in.transferTo(OutputStream.nullOutputStream());
        }
    }
}
