package io.totpd.caller;

import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.Startup;
import io.totpd.TotpdConfig;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/** The configured callers, checked at start-up, and the lookup of a presented API key. */
@Singleton
@Startup
public class Callers {

    /** The key of the dev profile's caller, published in the README; production refuses its hash. */
    static final String DEVELOPMENT_KEY = "totpd-development-key";

    private static final Logger LOG = Logger.getLogger(Callers.class);
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern TENANT = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    /** One digest a thread (digest() leaves it reset): looking one up on every call was 1 % of {@code /verify}. */
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    });

    private record Key(byte[] sha256, Caller caller) {
    }

    private final List<Key> keys = new ArrayList<>();
    private final List<Caller> all = new ArrayList<>();

    Callers(TotpdConfig config) {
        byte[] developmentHash = sha256(DEVELOPMENT_KEY);
        // What `printf %s "$key" | sha256sum` prints when $key is unset.
        byte[] emptyHash = sha256("");
        for (Map.Entry<String, TotpdConfig.CallerConfig> entry : config.callers().entrySet()) {
            String name = entry.getKey();
            TotpdConfig.CallerConfig settings = entry.getValue();
            if (!TENANT.matcher(settings.tenant()).matches()) {
                throw new IllegalArgumentException("totpd.callers." + name + ".tenant: 1-64 of A-Z a-z 0-9 . _ -");
            }
            if (settings.scopes().isEmpty()) {
                throw new IllegalArgumentException("totpd.callers." + name + ".scopes: one or more of verify, manage, import, export");
            }
            Caller caller = new Caller(all.size(), name, settings.tenant(), Set.copyOf(settings.scopes()));
            all.add(caller);
            for (String hex : settings.keySha256()) {
                String hash = hex.trim().toLowerCase(java.util.Locale.ROOT);
                if (!SHA256_HEX.matcher(hash).matches()) {
                    throw new IllegalArgumentException("totpd.callers." + name + ".key-sha256: 64 hex digits per key");
                }
                byte[] sha256 = HexFormat.of().parseHex(hash);
                if (MessageDigest.isEqual(sha256, emptyHash)) {
                    throw new IllegalStateException("totpd.callers." + name + ".key-sha256 is the SHA-256 of the empty "
                            + "string: the key was unset when it was hashed, and an empty key must never get in");
                }
                if (MessageDigest.isEqual(sha256, developmentHash)) {
                    if (LaunchMode.current() == LaunchMode.NORMAL) {
                        throw new IllegalStateException("caller '" + name + "' uses the published development key; "
                                + "production needs keys of its own (see README, Configure callers)");
                    }
                    LOG.warnf("Caller '%s' accepts the published development key: dev and tests only, production refuses it",
                            name);
                }
                keys.add(new Key(sha256, caller));
            }
        }
        if (keys.isEmpty() && LaunchMode.current() == LaunchMode.NORMAL) {
            throw new IllegalStateException("no caller is configured (totpd.callers.<name>.*): nobody could call the service");
        }
    }

    /** Every configured caller, in the order of their {@link Caller#index}. */
    public List<Caller> all() {
        return List.copyOf(all);
    }

    /** The caller a presented key belongs to. Every configured hash is compared, in constant time. */
    Optional<Caller> byKey(String presented) {
        byte[] sha256 = sha256(presented);
        Caller found = null;
        for (Key key : keys) {
            if (MessageDigest.isEqual(key.sha256(), sha256) && found == null) {
                found = key.caller();
            }
        }
        return Optional.ofNullable(found);
    }

    static byte[] sha256(String key) {
        return SHA256.get().digest(key.getBytes(StandardCharsets.UTF_8));
    }
}
