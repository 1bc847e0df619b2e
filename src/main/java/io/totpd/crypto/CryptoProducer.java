package io.totpd.crypto;

import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.Startup;
import io.totpd.TotpdConfig;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

/** Builds the key ring from configuration once, at start-up, so that a bad key stops the start. */
public class CryptoProducer {

    /** The id of the key in the dev and test profiles, which production refuses. */
    static final String DEVELOPMENT_KEY_ID = "development-only";

    private static final Logger LOG = Logger.getLogger(CryptoProducer.class);

    @Produces
    @Singleton
    @Startup
    KeyRing keyRing(TotpdConfig config) {
        KeyRing keys = KeyRing.parse(config.encryption().keys().orElseThrow(() -> new IllegalStateException(
                "totpd.encryption.keys is not set; the service needs a key of its own (see README, Configure it)")));
        if (keys.contains(DEVELOPMENT_KEY_ID)) {
            if (LaunchMode.current() == LaunchMode.NORMAL) {
                throw new IllegalStateException("totpd.encryption.keys holds the built-in development key '"
                        + DEVELOPMENT_KEY_ID + "'; production needs a key of its own (see README, Configure it)");
            }
            LOG.warnf("Secrets are encrypted with the built-in development key '%s': for dev and tests only, "
                    + "production refuses to start with it", DEVELOPMENT_KEY_ID);
        }
        LOG.infof("Encrypting new secrets with key '%s'", keys.primaryId());
        return keys;
    }

    @Produces
    @Singleton
    Aead aead(KeyRing keys) {
        return new Aead(keys);
    }

    @Produces
    @Singleton
    Signer signer(KeyRing keys) {
        return new Signer(keys);
    }
}
