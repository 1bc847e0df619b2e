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
 * With devices (as seeded, default 1) a right code is the code of the user's last device, which the
 * service reads last; a wrong one matches none of the user's devices.
 * Usage: Bodies right|wrong|mixed from count total file [devices]
 */
public final class Bodies {

    public static void main(String[] args) throws Exception {
        boolean right = !args[0].equals("wrong");
        int recoverEvery = args[0].equals("mixed") ? Integer.parseInt(System.getenv().getOrDefault("RECOVER_EVERY", "100")) : 0;
        int from = Integer.parseInt(args[1]);
        int count = Integer.parseInt(args[2]);
        int total = Integer.parseInt(args[3]);
        int devices = BenchUsers.devices(args, 5);
        long step = BenchUsers.TOTP.step(Instant.now());
        try (BufferedWriter out = Files.newBufferedWriter(Path.of(args[4]))) {
            for (int i = 0; i < count; i++) {
                String userId = BenchUsers.userId((from + i) % total);
                if (recoverEvery > 0 && i % recoverEvery == recoverEvery - 1) {
                    out.write("/recover {\"userId\":\"" + userId + "\",\"backupCode\":\"0000-0000-0000\"}\n");
                    continue;
                }
                String code = right ? BenchUsers.TOTP.code(BenchUsers.secret(userId, devices), step)
                        : wrong(userId, devices, step);
                out.write("{\"userId\":\"" + userId + "\",\"code\":\"" + code + "\"}\n");
            }
        }
    }

    /**
     * A code of a later step of device 1 that no device of the user accepts at any step the phase can
     * meet: a later step's code equals one of a window's about once in 300,000 users (and once in
     * 100,000 with three devices), and the service rightly accepts it then.
     */
    private static String wrong(String userId, int devices, long step) {
        Set<String> acceptable = new HashSet<>();
        for (int device = 1; device <= devices; device++) {
            byte[] secret = BenchUsers.secret(userId, device);
            for (long near = step - 3; near <= step + 3; near++) {
                acceptable.add(BenchUsers.TOTP.code(secret, near));
            }
        }
        byte[] first = BenchUsers.secret(userId, 1);
        for (long later = step + 5; ; later++) {
            String code = BenchUsers.TOTP.code(first, later);
            if (!acceptable.contains(code)) {
                return code;
            }
        }
    }
}
