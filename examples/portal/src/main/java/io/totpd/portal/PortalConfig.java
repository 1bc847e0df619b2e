package io.totpd.portal;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/** The portal's own settings, {@code portal.*} (environment: {@code PORTAL_*}). */
@ConfigMapping(prefix = "portal")
public interface PortalConfig {

    /** How the portal reaches totpd. */
    Totpd totpd();

    /** How long after a right password the code may be typed, before the password is asked again. */
    @WithDefault("5m")
    Duration codeTimeout();

    interface Totpd {

        /** totpd's base URL as this server reaches it, e.g. {@code http://totpd.internal:8080}. */
        URI url();

        /**
         * totpd's base URL as users' browsers reach it, which the signed {@code qrCodeUrl} of an
         * enrollment is appended to for the page's {@code <img>}; {@link #url()} when not set.
         */
        Optional<URI> publicUrl();

        /**
         * The API key of the portal's caller (scopes {@code verify} and {@code manage}). It stays on
         * this server: no page, header or script the portal sends contains it.
         */
        String apiKey();

        /**
         * How long one call to totpd may take before the portal gives up and says so. Turning 2FA on
         * hashes ten backup codes with Argon2id, which takes totpd about half a second when idle.
         */
        @WithDefault("10s")
        Duration timeout();
    }
}
