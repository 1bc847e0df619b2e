package io.totpd.dev;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for a process that dev mode or a test configures with its port before it starts (the
 * embedded PostgreSQL, PgBouncer, pg_autoctl's nodes), which cannot bind port 0 and say which port
 * it got.
 *
 * <p>{@code new ServerSocket(0)} would give a port from the kernel's ephemeral range, which every
 * outgoing connection of the machine draws from too: one of them can take the port between the pick
 * and the process's bind, seconds later, and the process exits with "address already in use". A
 * port below that range ({@code net.ipv4.ip_local_port_range}, 32768-60999 by default) is never
 * given to an outgoing connection, so only another listener could take it. Linux only, as the
 * embedded PostgreSQL's binaries are.
 */
public final class Ports {

    /** Below this, services of the machine may listen on well-known and registered ports. */
    private static final int LOWEST = 10_000;

    private Ports() {
    }

    /**
     * A port no process listens on now on 127.0.0.1, outside the kernel's ephemeral range.
     *
     * @throws IllegalStateException when a hundred random tries found none free
     */
    public static int unused() {
        int[] range = ephemeralRange();
        // Below the range where there is room, else above it.
        boolean below = range[0] - LOWEST >= 1_000;
        int from = below ? LOWEST : range[1] + 1;
        int to = below ? range[0] : 65_536;
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(from, to);
            try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                return socket.getLocalPort();
            } catch (IOException taken) {
                // another listener has it: try another
            }
        }
        throw new IllegalStateException("no free port in " + from + "-" + (to - 1) + " after 100 tries");
    }

    private static int[] ephemeralRange() {
        try {
            // readAllLines, not readString, which reads a procfs file by its size (0) and gets one byte.
            String[] bounds = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0).trim().split("\\s+");
            return new int[] {Integer.parseInt(bounds[0]), Integer.parseInt(bounds[1])};
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the ephemeral port range", e);
        }
    }
}
