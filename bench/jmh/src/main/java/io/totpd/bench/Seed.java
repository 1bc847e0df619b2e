package io.totpd.bench;

import io.totpd.crypto.Aead;
import io.totpd.crypto.Fields;
import io.totpd.crypto.KeyRing;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.postgresql.PGConnection;

/**
 * Seeds active factors at full speed with COPY, encrypted exactly as the service encrypts them.
 * Usage: Seed jdbc-url encryption-key-entry count
 */
public final class Seed {

    public static void main(String[] args) throws Exception {
        String url = args[0];
        Aead aead = new Aead(KeyRing.parse(List.of(args[1])));
        int count = Integer.parseInt(args[2]);
        long lastStep = BenchUsers.TOTP.step(Instant.now()) - 10;
        long started = System.nanoTime();
        try (Connection connection = DriverManager.getConnection(url)) {
            StringBuilder rows = new StringBuilder();
            for (int n = 0; n < count; n++) {
                String userId = BenchUsers.userId(n);
                UUID id = UUID.randomUUID();
                Aead.Sealed sealed = aead.encrypt(BenchUsers.secret(userId),
                        Fields.encode("totpd.factor.v1", BenchUsers.TENANT, userId, id.toString()));
                rows.append(id).append('\t').append(BenchUsers.TENANT).append('\t').append(userId)
                        .append("\tACTIVE\tSHA1\t6\t30\t").append(sealed.keyId())
                        .append("\t\\\\x").append(HexFormat.of().formatHex(sealed.ciphertext()))
                        .append("\tnow\tnow\t").append(lastStep).append('\n');
            }
            ((PGConnection) connection).getCopyAPI().copyIn("COPY factor (id, tenant, user_id, state, algorithm, digits,"
                    + " period_seconds, secret_key_id, secret_ciphertext, created_at, activated_at, last_step) FROM STDIN",
                    new StringReader(rows.toString()));
            connection.createStatement().execute("VACUUM ANALYZE factor");
        }
        System.out.printf("seeded %d factors in %.1f s%n", count, (System.nanoTime() - started) / 1e9);
    }
}
