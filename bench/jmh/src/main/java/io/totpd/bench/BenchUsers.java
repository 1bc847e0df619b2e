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

/**
 * The benchmark's users: "bench-<n>" of tenant "bench", each with DEVICES active authenticators
 * (1 to DEVICES) whose secrets are derived from the user's name and the device's number.
 */
final class BenchUsers {

    static final String TENANT = "bench";
    static final Totp TOTP = new Totp(HmacAlgorithm.SHA1, 6, Duration.ofSeconds(30));

    private BenchUsers() {
    }

    static String userId(int n) {
        return "bench-" + n;
    }

    /** The number of authenticators a user has, from the DEVICES argument (1 when absent). */
    static int devices(String[] args, int index) {
        int devices = args.length > index ? Integer.parseInt(args[index]) : 1;
        if (devices < 1) {
            throw new IllegalArgumentException("DEVICES must be at least 1");
        }
        return devices;
    }

    /** Device 1 has the name /enroll gives ("Authenticator"), the others "Device 2", "Device 3", ... */
    static String deviceName(int device) {
        return device == 1 ? "Authenticator" : "Device " + device;
    }

    /**
     * Derived, so that the seeder and the body generator agree without storing any secret. Device 1's
     * is the secret every bench user had before users had several devices.
     */
    static byte[] secret(String userId, int device) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec("totpd benchmark users".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            String label = device == 1 ? userId : userId + "#" + device;
            return Arrays.copyOf(mac.doFinal(label.getBytes(StandardCharsets.UTF_8)), Secrets.BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
