package io.totpd.webhook;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.Locale;

/**
 * Lowers the CPU priority of the calling thread, so that the kernel gives the CPU to sign-ins first
 * and to webhook deliveries with what is left.
 *
 * <p>On Linux the nice value is a per-thread attribute ({@code man 7 sched}): {@code setpriority(2)}
 * with {@code PRIO_PROCESS} and a thread id changes that thread alone, and raising it needs no
 * privilege. Java's own {@link Thread#setPriority} does nothing on Linux unless the JVM runs as root
 * with {@code -XX:ThreadPriorityPolicy=1}, so the call goes through the Foreign Function API
 * (JEP 454). It needs native access: the packaged JAR's manifest grants it
 * ({@code Enable-Native-Access: ALL-UNNAMED}), and so do the build's dev and test JVMs. Elsewhere (not
 * Linux, no {@code gettid} in the C library) the thread keeps its priority, which changes how CPU is
 * shared under saturation and nothing else.
 */
final class CpuPriority {

    private static final int PRIO_PROCESS = 0;

    private CpuPriority() {
    }

    /** The C library's two functions, looked up once; null where they cannot be. */
    private static final class Libc {
        static final MethodHandle GETTID;
        static final MethodHandle SETPRIORITY;

        static {
            MethodHandle gettid = null;
            MethodHandle setpriority = null;
            if (System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")) {
                try {
                    Linker linker = Linker.nativeLinker();
                    SymbolLookup libc = linker.defaultLookup();
                    gettid = libc.find("gettid").map(f -> linker.downcallHandle(f, FunctionDescriptor.of(JAVA_INT)))
                            .orElse(null);
                    setpriority = libc.find("setpriority")
                            .map(f -> linker.downcallHandle(f, FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT)))
                            .orElse(null);
                } catch (RuntimeException e) {
                    // Native access refused (--enable-native-access=none) or no linker on this platform.
                    setpriority = null;
                }
            }
            boolean both = gettid != null && setpriority != null;
            GETTID = both ? gettid : null;
            SETPRIORITY = both ? setpriority : null;
        }
    }

    /**
     * Sets the calling thread's nice value to {@code nice} (0, the default, to 19, the lowest
     * priority); answers whether it was set.
     */
    static boolean lowerCurrentThread(int nice) {
        if (Libc.SETPRIORITY == null) {
            return false;
        }
        try {
            int tid = (int) Libc.GETTID.invokeExact();
            return (int) Libc.SETPRIORITY.invokeExact(PRIO_PROCESS, tid, nice) == 0;
        } catch (Throwable e) {
            return false;
        }
    }
}
