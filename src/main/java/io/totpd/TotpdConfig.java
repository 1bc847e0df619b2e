package io.totpd;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.totpd.otp.HmacAlgorithm;
import java.time.Duration;
import java.util.List;

/** All of the service's own settings; each can also be set as an environment variable, e.g. TOTPD_ISSUER. */
@ConfigMapping(prefix = "totpd")
public interface TotpdConfig {

    /** The issuer authenticator apps show above the code: your product's name. It must not contain ':'. */
    @WithDefault("totpd")
    String issuer();

    Totp totp();

    Enrollment enrollment();

    Encryption encryption();

    interface Totp {
        /** HMAC of new enrollments. Anything but SHA1 breaks Google Authenticator and others, which ignore it. */
        @WithDefault("SHA1")
        HmacAlgorithm algorithm();

        /** Digits of a code, 6 or 8. Anything but 6 breaks apps that ignore the setting. */
        @WithDefault("6")
        int digits();

        /** Length of a time step. Anything but 30s breaks apps that ignore the setting. */
        @WithDefault("30s")
        Duration period();
    }

    interface Enrollment {
        /** How long a pending enrollment can be activated (and its QR code fetched). */
        @WithDefault("15m")
        Duration lifetime();
    }

    interface Encryption {
        /**
         * The AES-256 keys for secrets at rest, as a comma-separated list of {@code id:base64-of-32-bytes}.
         * The first one encrypts; all of them decrypt, so a new key goes first and the old one stays
         * until no row uses it. Required: the service refuses to start without one.
         */
        List<String> keys();
    }
}
