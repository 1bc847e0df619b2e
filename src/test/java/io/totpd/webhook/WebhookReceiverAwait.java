package io.totpd.webhook;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** Polls what the service shows until it is as a test expects: the sender works in the background. */
final class WebhookReceiverAwait {

    private WebhookReceiverAwait() {
    }

    /** {@code read} again every 50 ms until {@code done} holds, for up to 20 s; returns the last value. */
    static <T> T until(Supplier<T> read, Predicate<T> done) {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
        T value = read.get();
        while (!done.test(value)) {
            assertTrue(Instant.now().isBefore(deadline), "still not as expected after 20 s: " + value);
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            value = read.get();
        }
        return value;
    }
}
