package io.totpd.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * TOTP codes from oathtool (OATH Toolkit), an implementation that shares no code with this service:
 * what an authenticator app would show. {@code .ci/run} installs it (Debian package {@code oathtool}).
 */
public final class Oathtool {

    private Oathtool() {
    }

    /**
     * The code for {@code secret} at {@code time}.
     *
     * @param algorithm SHA1, SHA256 or SHA512
     * @param periodSeconds the time step, in seconds
     */
    public static String code(byte[] secret, String algorithm, int digits, int periodSeconds, Instant time) {
        ProcessBuilder command = new ProcessBuilder("oathtool", "--totp=" + algorithm.toLowerCase(Locale.ROOT),
                "--digits=" + digits, "--time-step-size=" + periodSeconds + "s", "--now=@" + time.getEpochSecond(),
                HexFormat.of().formatHex(secret)).redirectErrorStream(true);
        try {
            Process process = command.start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
            if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException("oathtool failed: " + out);
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("oathtool is not installed (Debian package oathtool; .ci/run installs it)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** {@link #code} with the interoperable defaults: SHA1, 6 digits, 30 s. */
    public static String code(byte[] secret, Instant time) {
        return code(secret, "SHA1", 6, 30, time);
    }
}
