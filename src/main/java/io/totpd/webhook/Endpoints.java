package io.totpd.webhook;

import io.quarkus.runtime.Startup;
import io.totpd.TotpdConfig;
import io.totpd.audit.AuditEvent;
import jakarta.inject.Singleton;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The configured webhook endpoints ({@code totpd.webhooks.<name>.*}), checked at start-up: a wrong
 * URL, secret or event type stops the service rather than losing events later.
 */
@Singleton
@Startup
public class Endpoints {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final String SECRET_PREFIX = "whsec_";

    /**
     * One endpoint: where to POST, whose events, signed with which keys (the decoded secrets, 24 to 64
     * bytes each), and which types.
     */
    public record Endpoint(String name, URI url, String tenant, List<byte[]> keys, Set<EventType> events) {

        /** The audit events sent to this endpoint, each with the webhook type it is sent as. */
        public Map<AuditEvent.Type, EventType> routes() {
            Map<AuditEvent.Type, EventType> routes = new EnumMap<>(AuditEvent.Type.class);
            for (EventType type : events) {
                type.reports().forEach(audited -> routes.put(audited, type));
            }
            return routes;
        }
    }

    private final Map<String, Endpoint> byName = new HashMap<>();

    Endpoints(TotpdConfig config) {
        TotpdConfig.WebhooksConfig webhooks = config.webhooks();
        for (Map.Entry<String, TotpdConfig.EndpointConfig> entry : webhooks.endpoints().entrySet()) {
            Endpoint endpoint = endpoint(entry.getKey(), entry.getValue(), webhooks.allowHttp());
            byName.put(endpoint.name(), endpoint);
        }
    }

    private static Endpoint endpoint(String name, TotpdConfig.EndpointConfig settings, boolean allowHttp) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("totpd.webhooks.<name>: a name is 1-64 of A-Z a-z 0-9 . _ -, not '" + name + "'");
        }
        String prefix = "totpd.webhooks." + name + ".";
        String tenant = required(name, "tenant", settings.tenant());
        if (!NAME.matcher(tenant).matches()) {
            throw new IllegalArgumentException(prefix + "tenant: 1-64 of A-Z a-z 0-9 . _ -");
        }
        URI url;
        try {
            url = new URI(required(name, "url", settings.url()).trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(prefix + "url is not a URL");
        }
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("https") || scheme.equals("http") && allowHttp) || url.getHost() == null) {
            throw new IllegalArgumentException(prefix + "url must be an https URL with a host" + (scheme.equals("http")
                    ? " (plain http only with totpd.webhooks.allow-http=true, or TOTPD_WEBHOOKS_ALLOW_HTTP=true)" : ""));
        }
        if (url.getRawUserInfo() != null || url.getRawFragment() != null) {
            throw new IllegalArgumentException(prefix + "url must not hold a user, password or fragment: "
                    + "the signature is what proves the sender");
        }
        List<byte[]> keys = new ArrayList<>();
        for (String secret : settings.secret().orElse(List.of())) {
            if (!secret.isBlank()) {
                keys.add(key(prefix, secret.trim()));
            }
        }
        if (keys.isEmpty()) {
            throw missing(name, "secret", "one or more whsec_ secrets, comma-separated");
        }
        Set<EventType> events = EnumSet.noneOf(EventType.class);
        for (String named : settings.events()) {
            String wireName = named.trim();
            if (wireName.equals("*")) {
                EnumSet.allOf(EventType.class).stream().filter(EventType::inWildcard).forEach(events::add);
            } else {
                events.add(EventType.named(wireName).orElseThrow(() -> new IllegalArgumentException(
                        prefix + "events: unknown event type '" + wireName + "'; the types: *, "
                                + String.join(", ", EnumSet.allOf(EventType.class).stream().map(EventType::wireName).toList()))));
            }
        }
        return new Endpoint(name, url, tenant, List.copyOf(keys), Set.copyOf(events));
    }

    private static String required(String name, String setting, Optional<String> value) {
        return value.filter(v -> !v.isBlank()).orElseThrow(() -> missing(name, setting, "required"));
    }

    /**
     * A setting that is absent or empty, named both ways, since endpoints usually come from the
     * environment, where an unset shell variable makes an empty one.
     */
    private static IllegalArgumentException missing(String name, String setting, String what) {
        String variable = ("TOTPD_WEBHOOKS_" + name + "_" + setting).toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
        return new IllegalArgumentException("totpd.webhooks." + name + "." + setting + " (" + variable + ") is missing or empty: " + what);
    }

    /** A Standard Webhooks secret: {@code whsec_} and the base64 of the key, 24 to 64 bytes. */
    private static byte[] key(String prefix, String secret) {
        if (!secret.startsWith(SECRET_PREFIX)) {
            throw new IllegalArgumentException(prefix + "secret: each starts with whsec_");
        }
        byte[] key;
        try {
            key = Base64.getDecoder().decode(secret.substring(SECRET_PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(prefix + "secret: whsec_ and then base64");
        }
        if (key.length < 24 || key.length > 64) {
            throw new IllegalArgumentException(prefix + "secret: 24 to 64 random bytes, e.g. whsec_$(openssl rand -base64 32)");
        }
        return key;
    }

    /** Every endpoint, by name. */
    public Map<String, Endpoint> all() {
        return Map.copyOf(byName);
    }
}
