package io.totpd.core;

import io.totpd.otp.HmacAlgorithm;
import io.totpd.otp.Totp;
import java.time.Duration;

/**
 * A TOTP secret as stored: encrypted, with the parameters it was enrolled with, so that changing the
 * configured defaults later never breaks a phone that is already set up.
 */
public class TotpSecret {

    public HmacAlgorithm algorithm;
    public short digits;
    public int periodSeconds;
    public String secretKeyId;
    public byte[] secretCiphertext;

    public static TotpSecret withParametersOf(Totp totp) {
        TotpSecret secret = new TotpSecret();
        secret.algorithm = totp.algorithm();
        secret.digits = (short) totp.digits();
        secret.periodSeconds = (int) totp.periodSeconds();
        return secret;
    }

    public Totp totp() {
        return new Totp(algorithm, digits, Duration.ofSeconds(periodSeconds));
    }
}
