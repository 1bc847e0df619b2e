package io.totpd.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.totpd.support.Threads;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * {@link CpuPriority} changes the nice value of the calling thread and of no other, as the kernel
 * reports it in {@code /proc} (the column {@code ps -L -o tid,ni} shows).
 */
class CpuPriorityTest {

    @Test
    void aThreadLowersItsOwnPriorityAndNoOtherThreads() {
        int before = niceOfThisThread();
        int lowered = CompletableFuture.supplyAsync(() -> {
            assertTrue(CpuPriority.lowerCurrentThread(7), "setpriority refused");
            return niceOfThisThread();
        }, Threads.ONE_PER_TASK).join();
        assertEquals(7, lowered);
        assertEquals(before, niceOfThisThread(), "the calling thread only");
    }

    /** Field 19 of {@code /proc/thread-self/stat}, counted after the parenthesised name, which may hold spaces. */
    static int niceOf(Path stat) {
        try {
            String line = Files.readString(stat);
            String[] fields = line.substring(line.lastIndexOf(')') + 2).split(" ");
            return Integer.parseInt(fields[19 - 3]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int niceOfThisThread() {
        return niceOf(Path.of("/proc/thread-self/stat"));
    }
}
