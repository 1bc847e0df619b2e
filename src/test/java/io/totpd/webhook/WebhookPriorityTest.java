package io.totpd.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every webhook thread (each endpoint's sender and the upkeep thread) runs at
 * {@code totpd.webhooks.nice} (10 by default), as an operator sees with {@code ps -L -o tid,ni,comm};
 * the service's other threads stay at 0. The tests configure two endpoints
 * ({@link io.totpd.support.WebhookReceiver}); the kernel cuts thread names to 15 characters, so the
 * two senders and the upkeep thread all read {@code totpd-webhooks-}.
 */
@QuarkusTest
class WebhookPriorityTest {

    @Test
    void everyWebhookThreadRunsAtTheConfiguredNiceAndEveryOtherThreadAtZero() throws IOException {
        List<Path> tasks;
        try (Stream<Path> listed = Files.list(Path.of("/proc/self/task"))) {
            tasks = listed.toList();
        }
        List<Integer> webhookThreads = tasks.stream().filter(t -> name(t).equals("totpd-webhooks-"))
                .map(WebhookPriorityTest::nice).sorted().toList();
        assertEquals(List.of(10, 10, 10), webhookThreads, "the two senders and the upkeep thread");
        List<String> others = tasks.stream().filter(t -> !name(t).equals("totpd-webhooks-"))
                .filter(t -> nice(t) != 0).map(WebhookPriorityTest::name).toList();
        assertEquals(List.of(), others, "threads other than the webhook threads with a lowered priority");
    }

    private static int nice(Path task) {
        try {
            return CpuPriorityTest.niceOf(task.resolve("stat"));
        } catch (UncheckedIOException e) {
            return 0;  // the thread ended while the test listed it
        }
    }

    private static String name(Path task) {
        try {
            return Files.readString(task.resolve("comm")).strip();
        } catch (IOException e) {
            return "";  // the thread ended while the test listed it
        }
    }
}
