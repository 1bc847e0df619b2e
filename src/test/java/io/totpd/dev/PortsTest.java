package io.totpd.dev;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class PortsTest {

    @Test
    void anUnusedPortIsOutsideTheEphemeralRangeAndCanBeBound() throws Exception {
        String[] range = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0).trim().split("\\s+");
        for (int i = 0; i < 20; i++) {
            int port = Ports.unused();
            assertTrue(port < Integer.parseInt(range[0]) || port > Integer.parseInt(range[1]),
                    port + " is in the ephemeral range " + range[0] + "-" + range[1]);
            try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                assertTrue(socket.isBound());
            }
        }
    }
}
