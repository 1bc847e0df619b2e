package io.totpd.webhook;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.totpd.TotpdConfig;
import io.totpd.webhook.WebhookDeliveries.Delivery;
import io.totpd.webhook.WebhookDeliveries.Outcome;
import io.totpd.webhook.WebhookDeliveries.Status;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.net.ConnectException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLException;
import org.jboss.logging.Logger;

/**
 * Sends the outbox: on every replica, one thread per endpoint takes the endpoint's new events from the
 * audit trail ({@link WebhookDeliveries#sendNew}) and its due retries ({@link WebhookDeliveries#sendDue}),
 * POSTs each as a Standard Webhooks message (headers
 * {@code webhook-id}, {@code webhook-timestamp}, {@code webhook-signature}), all of a batch at once,
 * and records how each went. A 2xx answer delivers; anything else (another status, a redirect, which
 * is never followed, no answer within {@code totpd.webhooks.timeout}) is tried again after a wait as
 * long as the time since the event (at least {@code retry-delay}, at most {@code max-retry-delay}),
 * until {@code give-up-after} has passed: then the delivery is failed and the user's next event goes.
 *
 * <p>Nothing here runs on a request's thread: a slow or dead receiver costs its own endpoint's thread
 * and nothing else. Vert.x's {@link HttpClient} sends, on the event loops the service already runs:
 * it pools connections per receiver, and an attempt costs no thread of its own (the JDK's client,
 * which hands every exchange between its selector thread and an executor, cost five times the CPU a
 * delivery under {@code WEBHOOKS=1 bench/run}). Each endpoint's thread runs at a lower CPU priority
 * ({@code totpd.webhooks.nice}): it drives every statement and request of its deliveries, so when the
 * CPU is saturated sign-ins go first and deliveries wait in the trail, then catch up. Metrics: {@code totpd.webhooks.attempts} by endpoint
 * and outcome, {@code totpd.webhooks.failed} (given up), and the gauges {@code totpd.webhooks.pending} and
 * {@code totpd.webhooks.oldest.pending.seconds} per endpoint, refreshed every {@link #UPKEEP}.
 */
@ApplicationScoped
public class WebhookSender {

    private static final Logger LOG = Logger.getLogger(WebhookSender.class);
    /** How often the backlog gauges are refreshed and old finished deliveries purged. */
    static final Duration UPKEEP = Duration.ofSeconds(10);
    private static final int PURGE_BATCH = 1000;
    /** The pause after a batch that was not full: each user's backlog still drains at 50 events a second. */
    static final Duration LINGER = Duration.ofMillis(20);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> OUTCOMES = List.of("delivered", "refused", "timeout", "unreachable");

    private final Endpoints endpoints;
    private final WebhookDeliveries deliveries;
    private final Clock clock;
    private final MeterRegistry metrics;
    private final TotpdConfig.WebhooksConfig settings;
    private final Vertx vertx;
    private final HttpClient http;
    private final Map<String, AtomicLong> pending = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> oldestSeconds = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> lastWarned = new ConcurrentHashMap<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running;

    WebhookSender(Endpoints endpoints, WebhookDeliveries deliveries, Clock clock, MeterRegistry metrics, TotpdConfig config,
            Vertx vertx) {
        this.endpoints = endpoints;
        this.deliveries = deliveries;
        this.clock = clock;
        this.metrics = metrics;
        this.settings = config.webhooks();
        if (settings.nice() < 0 || settings.nice() > 19) {
            throw new IllegalArgumentException("totpd.webhooks.nice: 0 to 19, not " + settings.nice());
        }
        this.vertx = vertx;
        // A connection per delivery of a batch, so that a hanging receiver holds a batch for one timeout,
        // not one per queued request. TLS trusts the JVM's trust store and checks the host name.
        this.http = vertx.createHttpClient(new HttpClientOptions().setMaxPoolSize(settings.batchSize())
                .setConnectTimeout((int) settings.timeout().toMillis()).setVerifyHost(true));
    }

    /** Sign-ins first: see {@link TotpdConfig.WebhooksConfig#nice()}. */
    private void lowerPriority() {
        if (settings.nice() > 0 && !CpuPriority.lowerCurrentThread(settings.nice())) {
            LOG.infof("Could not lower the CPU priority of %s (not Linux, or no native access); it delivers at the "
                    + "priority of sign-ins", Thread.currentThread().getName());
        }
    }

    void onStart(@Observes StartupEvent event) {
        if (endpoints.all().isEmpty()) {
            return;
        }
        running = true;
        for (Endpoints.Endpoint endpoint : endpoints.all().values()) {
            Tags tags = Tags.of("endpoint", endpoint.name());
            pending.put(endpoint.name(), gauge("totpd.webhooks.pending", tags, "Deliveries not yet delivered or failed"));
            oldestSeconds.put(endpoint.name(), gauge("totpd.webhooks.oldest.pending.seconds", tags,
                    "Age of the oldest pending delivery's event, in seconds"));
            // Registered at once, so that a rate of failures is 0 rather than absent until the first one.
            for (String outcome : OUTCOMES) {
                Counter.builder("totpd.webhooks.attempts").tags(tags).tag("outcome", outcome)
                        .description("Attempts to deliver an event, by how they ended").register(metrics);
            }
            Counter.builder("totpd.webhooks.failed").tags(tags).description("Deliveries given up on").register(metrics);
            threads.add(start("totpd-webhooks-" + endpoint.name(), () -> sendLoop(endpoint)));
        }
        threads.add(start("totpd-webhooks-upkeep", this::upkeepLoop));
        LOG.infof("Sending events to %d webhook endpoint(s): %s", endpoints.all().size(), endpoints.all().keySet());
    }

    private AtomicLong gauge(String name, Tags tags, String description) {
        AtomicLong value = new AtomicLong();
        Gauge.builder(name, value, AtomicLong::get).tags(tags).description(description).register(metrics);
        return value;
    }

    void onStop(@Observes ShutdownEvent event) throws InterruptedException {
        running = false;
        for (Thread thread : threads) {
            thread.interrupt();
        }
        for (Thread thread : threads) {
            thread.join(settings.timeout().toMillis() + 1000);
        }
        http.close();
    }

    private void sendLoop(Endpoints.Endpoint endpoint) {
        lowerPriority();
        boolean retriesMayBeDue = true;
        long retriesCheckedAt = 0;
        while (running) {
            try {
                // Due retries are looked for after a round that left rows pending or took retries, and
                // otherwise once a poll interval: under a steady stream of events that all arrive, a round
                // is then one transaction, not two. Poll intervals are real time, not the service's clock.
                boolean checkRetries = retriesMayBeDue || System.nanoTime() - retriesCheckedAt >= settings.poll().toNanos();
                Round round = round(endpoint, checkRetries);
                if (checkRetries) {
                    retriesCheckedAt = System.nanoTime();
                }
                retriesMayBeDue = round.retriesMayBeDue();
                int taken = round.taken();
                if (taken == 0) {
                    Thread.sleep(settings.poll().toMillis());
                } else if (taken < settings.batchSize()) {
                    // Under a steady stream, a moment's wait lets a batch fill: one transaction and one
                    // outcome statement for many deliveries instead of a few each.
                    Thread.sleep(LINGER.toMillis());
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // The database's own words (a timeout, a refused connection) say more than "claiming failed".
                LOG.warnf("Could not send the events due for webhook endpoint '%s'; trying again in %s: %s%s", endpoint.name(),
                        settings.poll(), e.getMessage(), e.getCause() == null ? "" : ": " + e.getCause().getMessage());
                if (!sleep(settings.poll())) {
                    return;
                }
            }
        }
    }

    /**
     * Sends one batch of the endpoint's new events from the trail, then one of its due retries;
     * answers how many deliveries were taken. Throws {@link jakarta.persistence.PersistenceException}
     * when the database cannot be reached: the same events and rows are taken again.
     */
    int sendDue(Endpoints.Endpoint endpoint) {
        return round(endpoint, true).taken();
    }

    /**
     * What a round took, and whether the next should look for due retries: it left a row pending (a
     * failed attempt, or an event queued behind its user's earlier one) or took retries, behind which
     * more may wait.
     */
    private record Round(int taken, boolean retriesMayBeDue) {
    }

    private Round round(Endpoints.Endpoint endpoint, boolean checkRetries) {
        Instant now = clock.instant();
        int[] delivered = {0};
        int taken = deliveries.sendNew(endpoint, settings.batchSize(), batch -> {
            List<Outcome> outcomes = attempt(endpoint, batch, now);
            delivered[0] = (int) outcomes.stream().filter(o -> o.status() == Status.DELIVERED).count();
            return outcomes;
        });
        // Rows taken but not delivered now (queued, failed, or written by an earlier version) may be due.
        boolean leftPending = delivered[0] < taken;
        if (!checkRetries && !leftPending) {
            return new Round(taken, false);
        }
        int retried = deliveries.sendDue(endpoint.name(), now, settings.batchSize(), batch -> attempt(endpoint, batch, now));
        return new Round(taken + retried, retried > 0);
    }

    /** Sends every delivery of the batch at once; their outcomes, in the batch's order. */
    private List<Outcome> attempt(Endpoints.Endpoint endpoint, List<Delivery> batch, Instant now) {
        List<CompletableFuture<Integer>> attempts = new ArrayList<>(batch.size());
        for (Delivery delivery : batch) {
            attempts.add(send(endpoint, delivery));
        }
        // The outcomes are worked out here, not on the event loop that completed the attempts: they
        // count, and may log.
        List<Outcome> outcomes = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            Integer status = null;
            Throwable failure = null;
            try {
                status = attempts.get(i).join();
            } catch (CompletionException e) {
                failure = e.getCause();
            }
            outcomes.add(outcome(endpoint, batch.get(i), now, status, failure));
        }
        return outcomes;
    }

    /** Sends one delivery; completes with the receiver's HTTP status, or fails with why there was none. */
    private CompletableFuture<Integer> send(Endpoints.Endpoint endpoint, Delivery delivery) {
        byte[] body = body(delivery);
        String id = "msg_" + delivery.eventId();
        long timestamp = clock.instant().getEpochSecond();
        long timeout = settings.timeout().toMillis();
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(endpoint.url().toString())
                .setFollowRedirects(false)
                .putHeader("content-type", "application/json")
                .putHeader("webhook-id", id)
                .putHeader("webhook-timestamp", Long.toString(timestamp))
                .putHeader("webhook-signature", Signature.header(endpoint.keys(), id, timestamp, body));
        // The answer's status counts once its body has been read (and dropped), so the connection goes
        // back to the pool. The whole attempt, connecting included, has one deadline.
        Future<Integer> status = http.request(options).compose(request -> {
            AtomicBoolean late = new AtomicBoolean();
            long deadline = vertx.setTimer(timeout, t -> {
                late.set(true);
                request.reset();
            });
            return request.send(Buffer.buffer(body))
                    .compose(response -> response.handler(ignored -> { }).end().map(done -> response.statusCode()))
                    .onComplete(done -> vertx.cancelTimer(deadline))
                    .recover(failure -> Future.failedFuture(late.get() ? new TimeoutException() : failure));
        });
        return status.toCompletionStage().toCompletableFuture();
    }

    private Outcome outcome(Endpoints.Endpoint endpoint, Delivery delivery, Instant attemptedAt, Integer status,
            Throwable failure) {
        Instant now = clock.instant();
        String error;
        String outcome;
        if (status != null && status >= 200 && status < 300) {
            metrics.counter("totpd.webhooks.attempts", "endpoint", endpoint.name(), "outcome", "delivered").increment();
            return new Outcome(delivery.id(), Status.DELIVERED, attemptedAt, delivery.nextAttemptAt(), status, null, now);
        } else if (status != null) {
            outcome = "refused";
            error = "the receiver answered HTTP " + status + (status >= 300 && status < 400 ? " (redirects are not followed)" : "");
        } else {
            outcome = failure instanceof TimeoutException ? "timeout" : "unreachable";
            error = describe(failure);
        }
        metrics.counter("totpd.webhooks.attempts", "endpoint", endpoint.name(), "outcome", outcome).increment();
        warnAtMostEveryMinute(endpoint, now, error);
        Duration wait = Duration.between(delivery.retryFrom(), now);
        wait = wait.compareTo(settings.retryDelay()) < 0 ? settings.retryDelay()
                : wait.compareTo(settings.maxRetryDelay()) > 0 ? settings.maxRetryDelay() : wait;
        Instant next = now.plus(wait);
        Instant giveUpAt = delivery.retryFrom().plus(settings.giveUpAfter());
        if (!now.isBefore(giveUpAt)) {
            metrics.counter("totpd.webhooks.failed", "endpoint", endpoint.name()).increment();
            LOG.warnf("Gave up on sending event %d (%s) to webhook endpoint '%s' after %d attempts; the last: %s. "
                    + "GET /webhooks/deliveries?status=failed lists it, and POST /webhooks/deliveries/{id}/retry sends it again",
                    delivery.eventId(), delivery.type(), endpoint.name(), delivery.attempts() + 1, error);
            return new Outcome(delivery.id(), Status.FAILED, attemptedAt, next, status, error, now);
        }
        // The last attempt goes out at the give-up time itself, so that a delivery is tried for all of it.
        return new Outcome(delivery.id(), Status.PENDING, attemptedAt, next.isAfter(giveUpAt) ? giveUpAt : next, status, error, null);
    }

    /** A receiver that fails is logged, but once a minute, not once an attempt. */
    private void warnAtMostEveryMinute(Endpoints.Endpoint endpoint, Instant now, String error) {
        AtomicLong last = lastWarned.computeIfAbsent(endpoint.name(), name -> new AtomicLong());
        long previous = last.get();
        if (now.getEpochSecond() - previous >= 60 && last.compareAndSet(previous, now.getEpochSecond())) {
            LOG.warnf("Webhook endpoint '%s' did not take an event: %s; retrying with back-off (logged at most once a minute)",
                    endpoint.name(), error);
        }
    }

    /** What went wrong, in words: no exception class or stack, and nothing the receiver sent. */
    private String describe(Throwable cause) {
        if (cause instanceof io.netty.channel.ConnectTimeoutException) {
            return "could not connect within " + settings.timeout().toMillis() + " ms";
        } else if (cause instanceof TimeoutException) {
            return "no answer within " + settings.timeout().toMillis() + " ms";
        } else if (cause instanceof ConnectException) {
            return "the connection was refused or the host is unreachable";
        } else if (cause instanceof SSLException) {
            return "the TLS handshake failed (is the receiver's certificate trusted?)";
        } else if (cause instanceof HttpClosedException || cause instanceof IOException) {
            return "the connection failed before an answer came";
        }
        return "the request could not be sent";
    }

    /**
     * The payload of the Standard Webhooks format: {@code type}, {@code timestamp} (the event's time)
     * and {@code data}; the same bytes on every attempt. Never a secret, code or URI.
     */
    static byte[] body(Delivery delivery) {
        try {
            return JSON.writeValueAsBytes(new Payload(delivery.type(), delivery.occurredAt().toString(),
                    new Data(delivery.tenant(), delivery.userId(), delivery.authenticatorId(), delivery.name(),
                            delivery.method(), delivery.caller(), delivery.requestId(), delivery.eventId())));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    record Payload(String type, String timestamp, Data data) {
    }

    /** {@code eventId} is the event's id in {@code GET /users/{userId}/events}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Data(String tenant, String userId, UUID authenticatorId, String name, String method, String caller,
            String requestId, long eventId) {
    }

    private void upkeepLoop() {
        lowerPriority();  // its gauges and purges can wait for a peak to pass as well as deliveries can
        long runs = 0;
        while (running) {
            try {
                Map<String, WebhookDeliveries.Backlog> backlog = deliveries.backlog();
                Instant now = clock.instant();
                for (Endpoints.Endpoint endpoint : endpoints.all().values()) {
                    // Rows waiting for a retry, and events no sender has taken from the trail yet.
                    WebhookDeliveries.Backlog rows = backlog.getOrDefault(endpoint.name(), new WebhookDeliveries.Backlog(0, null));
                    WebhookDeliveries.Backlog unsent = deliveries.behind(endpoint);
                    Instant oldest = rows.oldest() == null ? unsent.oldest()
                            : unsent.oldest() == null || rows.oldest().isBefore(unsent.oldest()) ? rows.oldest() : unsent.oldest();
                    pending.get(endpoint.name()).set(rows.pending() + unsent.pending());
                    oldestSeconds.get(endpoint.name()).set(oldest == null ? 0 : Math.max(0, Duration.between(oldest, now).toSeconds()));
                }
                if (runs++ % 6 == 0) {
                    Instant before = now.minus(settings.keep());
                    while (running && deliveries.purge(before, PURGE_BATCH) == PURGE_BATCH) {
                        // Another batch: each is short, so no purge holds locks for long.
                    }
                }
            } catch (RuntimeException e) {
                LOG.debugf("Could not refresh the webhook backlog: %s", e.getMessage());
            }
            if (!sleep(UPKEEP)) {
                return;
            }
        }
    }

    private static Thread start(String name, Runnable loop) {
        Thread thread = new Thread(loop, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    private static boolean sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
