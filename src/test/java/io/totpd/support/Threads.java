package io.totpd.support;

import java.util.concurrent.Executor;

/** Where tests run work that must run at the same time as other work. */
public final class Threads {

    /**
     * A new daemon thread for each task, for {@code CompletableFuture.runAsync(task, ONE_PER_TASK)}.
     * Without an executor, Java 25 runs async tasks in the common fork-join pool, which on two cores
     * has a single worker: tasks that wait for each other (a latch every racer counts down) would wait
     * forever, and requests meant to race would run one after another. Java 17 gave each such task a
     * thread of its own when the pool had fewer than two workers, which these tests had relied on.
     */
    public static final Executor ONE_PER_TASK = task -> Thread.ofPlatform().daemon().start(task);

    private Threads() {
    }
}
