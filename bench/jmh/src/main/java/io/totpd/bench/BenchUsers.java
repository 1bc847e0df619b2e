package io.totpd.bench;

import io.totpd.otp.HmacAlgorithm;
import io.totpd.otp.Secrets;
import io.totpd.otp.Totp;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** The benchmark's users: "bench-<n>" of tenant "bench", each with a secret derived from its name. */
final class BenchUsers {

    static final String TENANT = "bench";
    static final Totp TOTP = new Totp(HmacAlgorithm.SHA1, 6, Duration.ofSeconds(30));

    private BenchUsers() {
    }

    static String userId(int n) {
        return "bench-" + n;
    }

    /** Derived, so that the seeder and the body generator agree without storing any secret. */
    static byte[] secret(String userId) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec("totpd benchmark users".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return Arrays.copyOf(mac.doFinal(userId.getBytes(StandardCharsets.UTF_8)), Secrets.BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
