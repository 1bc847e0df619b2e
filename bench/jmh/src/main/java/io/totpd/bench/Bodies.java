package io.totpd.bench;

import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * Writes one /verify body a line for users from..from+count (modulo total), with the right code of
 * the current step ("right") or a code no window accepts ("wrong").
 * Usage: Bodies right|wrong from count total file
 */
public final class Bodies {

    public static void main(String[] args) throws Exception {
        boolean right = args[0].equals("right");
        int from = Integer.parseInt(args[1]);
        int count = Integer.parseInt(args[2]);
        int total = Integer.parseInt(args[3]);
        long step = BenchUsers.TOTP.step(Instant.now());
        try (BufferedWriter out = Files.newBufferedWriter(Path.of(args[4]))) {
            for (int i = 0; i < count; i++) {
                String userId = BenchUsers.userId((from + i) % total);
                byte[] secret = BenchUsers.secret(userId);
                String code = BenchUsers.TOTP.code(secret, right ? step : step + 5);
                if (!right && code.equals(BenchUsers.TOTP.code(secret, step))) {
                    code = BenchUsers.TOTP.code(secret, step + 7);
                }
                out.write("{\"userId\":\"" + userId + "\",\"code\":\"" + code + "\"}\n");
            }
        }
    }
}
