package io.totpd.bench;

import io.totpd.crypto.Aead;
import io.totpd.crypto.Fields;
import io.totpd.crypto.KeyRing;
import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.postgresql.PGConnection;
import org.postgresql.copy.PGCopyOutputStream;

/**
 * Seeds users at full speed with COPY: a user_account row each and devices active authenticators
 * (default 1) with distinct names and secrets, every secret sealed exactly as the service seals an
 * active authenticator's (SealedSecrets). Device d was activated d minutes after device 1, so the
 * service reads them in device order and the last device last.
 * Usage: Seed jdbc-url encryption-key-entry count [devices]
 */
public final class Seed {

    public static void main(String[] args) throws Exception {
        String url = args[0];
        Aead aead = new Aead(KeyRing.parse(List.of(args[1])));
        int count = Integer.parseInt(args[2]);
        int devices = BenchUsers.devices(args, 3);
        // As if each user signed in ten steps ago: the end of that step, in Unix seconds.
        long replayMark = (BenchUsers.TOTP.step(Instant.now()) - 10 + 1) * 30;
        Instant firstActivated = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(60L * devices);
        long started = System.nanoTime();
        UUID[] users = new UUID[count];
        try (Connection connection = DriverManager.getConnection(url)) {
            connection.setAutoCommit(false);
            PGConnection pg = connection.unwrap(PGConnection.class);
            try (Writer rows = copy(pg, "COPY user_account (id, tenant, user_id, state, created_at, replay_mark) FROM STDIN")) {
                for (int n = 0; n < count; n++) {
                    users[n] = UUID.randomUUID();
                    rows.append(users[n].toString()).append('\t').append(BenchUsers.TENANT).append('\t')
                            .append(BenchUsers.userId(n)).append("\tACTIVE\tnow\t").append(Long.toString(replayMark))
                            .append('\n');
                }
            }
            HexFormat hex = HexFormat.of();
            try (Writer rows = copy(pg, "COPY authenticator (id, user_account_id, name, state, algorithm, digits,"
                    + " period_seconds, secret_key_id, secret_ciphertext, created_at, activated_at) FROM STDIN")) {
                for (int n = 0; n < count; n++) {
                    String userId = BenchUsers.userId(n);
                    for (int device = 1; device <= devices; device++) {
                        UUID id = UUID.randomUUID();
                        // SealedSecrets.associatedData for an ACTIVE authenticator.
                        Aead.Sealed sealed = aead.encrypt(BenchUsers.secret(userId, device),
                                Fields.encode("totpd.factor.v1", BenchUsers.TENANT, userId, id.toString()));
                        String activated = firstActivated.plusSeconds(60L * (device - 1)).toString();
                        rows.append(id.toString()).append('\t').append(users[n].toString()).append('\t')
                                .append(BenchUsers.deviceName(device)).append("\tACTIVE\tSHA1\t6\t30\t")
                                .append(sealed.keyId()).append("\t\\\\x").append(hex.formatHex(sealed.ciphertext()))
                                .append('\t').append(activated).append('\t').append(activated).append('\n');
                    }
                }
            }
            connection.commit();
            connection.setAutoCommit(true);
            try (Statement vacuum = connection.createStatement()) {
                vacuum.execute("VACUUM ANALYZE user_account, authenticator");
            }
        }
        System.out.printf("seeded %d users with %d authenticator%s each in %.1f s%n", count, devices,
                devices == 1 ? "" : "s", (System.nanoTime() - started) / 1e9);
    }

    /** A COPY ... FROM STDIN streamed as it is written; closing the writer ends the COPY. */
    private static Writer copy(PGConnection connection, String sql) throws Exception {
        return new BufferedWriter(new OutputStreamWriter(new PGCopyOutputStream(connection, sql, 1 << 16),
                StandardCharsets.UTF_8), 1 << 16);
    }
}
