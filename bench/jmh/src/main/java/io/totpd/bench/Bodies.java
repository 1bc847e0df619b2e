package io.totpd.bench;

import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;

/**
 * Writes one /verify body a line for users from..from+count (modulo total), with the right code of
 * the current step ("right") or a code no window accepts ("wrong"); "mixed" is "right" with every
 * RECOVER_EVERY-th line (default 100) a /recover of a wrong backup code instead, which costs the
 * service one Argon2id hash. Lines for another path than /verify start with the path and a space.
 * Usage: Bodies right|wrong|mixed from count total file
 */
public final class Bodies {

    public static void main(String[] args) throws Exception {
        boolean right = !args[0].equals("wrong");
        int recoverEvery = args[0].equals("mixed") ? Integer.parseInt(System.getenv().getOrDefault("RECOVER_EVERY", "100")) : 0;
        int from = Integer.parseInt(args[1]);
        int count = Integer.parseInt(args[2]);
        int total = Integer.parseInt(args[3]);
        long step = BenchUsers.TOTP.step(Instant.now());
        try (BufferedWriter out = Files.newBufferedWriter(Path.of(args[4]))) {
            for (int i = 0; i < count; i++) {
                String userId = BenchUsers.userId((from + i) % total);
                byte[] secret = BenchUsers.secret(userId);
                if (recoverEvery > 0 && i % recoverEvery == recoverEvery - 1) {
                    out.write("/recover {\"userId\":\"" + userId + "\",\"backupCode\":\"0000-0000-0000\"}\n");
                    continue;
                }
                String code = right ? BenchUsers.TOTP.code(secret, step) : wrong(secret, step);
                out.write("{\"userId\":\"" + userId + "\",\"code\":\"" + code + "\"}\n");
            }
        }
    }

    /**
     * A code of a later step that no step the phase can meet accepts: a later step's code equals one
     * of the window's about once in 300,000 users, and the service rightly accepts it then.
     */
    private static String wrong(byte[] secret, long step) {
        Set<String> acceptable = new HashSet<>();
        for (long near = step - 3; near <= step + 3; near++) {
            acceptable.add(BenchUsers.TOTP.code(secret, near));
        }
        for (long later = step + 5; ; later++) {
            String code = BenchUsers.TOTP.code(secret, later);
            if (!acceptable.contains(code)) {
                return code;
            }
        }
    }
}
