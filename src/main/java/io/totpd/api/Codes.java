package io.totpd.api;

import io.totpd.problem.ProblemType;
import io.totpd.otp.Totp;
import io.totpd.recovery.BackupCodes;

/** Submitted codes, normalised before anything else sees them; a malformed one is a 400. */
public final class Codes {

    public static final String BODY_REQUIRED = "a JSON body is required";

    private Codes() {
    }

    public static String totp(String code) {
        return Totp.normalise(code).orElseThrow(() -> ProblemType.INVALID_REQUEST.exception("code: must be 6 or 8 digits"));
    }

    /**
     * A code of 6 digits cannot match an authenticator of 8, nor the other way round: it is malformed, a 400
     * that is not counted as a wrong code.
     */
    public static String wrongLength(Totp totp) {
        return "code: this user's factor takes " + totp.digits() + " digits";
    }

    public static String backup(String code) {
        return BackupCodes.normalise(code).orElseThrow(() -> ProblemType.INVALID_REQUEST.exception(
                "backupCode: must be 12 characters of Crockford Base32, as XXXX-XXXX-XXXX"));
    }
}
