package io.totpd.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.totpd.TotpdConfig;
import io.totpd.audit.Outbox;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Endpoint settings that would lose or leak events are refused at start-up, naming the setting; good
 * ones become the routes the audit trail writes deliveries by. Read through the real configuration
 * mapping, so the settings' names are checked too.
 */
class EndpointsStartupTest {

    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    private static Endpoints endpoints(Map<String, String> settings) {
        Map<String, String> all = new HashMap<>(Map.of("totpd.webhooks.crm.tenant", "acme", "totpd.webhooks.crm.secret", SECRET,
                "totpd.webhooks.crm.url", "https://crm.example/hooks"));
        all.putAll(settings);
        // Quarkus's own converters, so "5s" and "512M" read as they do in the service.
        TotpdConfig config = new SmallRyeConfigBuilder().withMapping(TotpdConfig.class)
                .withConverter(java.time.Duration.class, 100, new io.quarkus.runtime.configuration.DurationConverter())
                .withConverter(io.quarkus.runtime.configuration.MemorySize.class, 100,
                        new io.quarkus.runtime.configuration.MemorySizeConverter())
                .withSources(new PropertiesConfigSource(all, "test", 100)).build().getConfigMapping(TotpdConfig.class);
        return new Endpoints(config);
    }

    @Test
    void theDefaultEventsAreEveryTypeButCodeVerifiedForTheEndpointsTenantOnly() {
        Endpoints endpoints = endpoints(Map.of("totpd.webhooks.allow-http", "false"));
        Outbox.Routes routes = endpoints.routes("acme");
        assertTrue(List.of(routes.types()).contains("authenticator.added"));
        assertTrue(!List.of(routes.types()).contains("code.verified"));
        assertEquals(Set.of("crm"), new java.util.HashSet<>(List.of(routes.endpoints())));
        // Enrolling and adding an authenticator are both authenticator.added.
        assertEquals(2, List.of(routes.types()).stream().filter("authenticator.added"::equals).count());
        assertEquals(0, endpoints.routes("globex").types().length);
    }

    @Test
    void environmentVariablesConfigureAnEndpointAsTheKubernetesSecretWould() {
        TotpdConfig config = new SmallRyeConfigBuilder().withMapping(TotpdConfig.class)
                .withConverter(java.time.Duration.class, 100, new io.quarkus.runtime.configuration.DurationConverter())
                .withConverter(io.quarkus.runtime.configuration.MemorySize.class, 100,
                        new io.quarkus.runtime.configuration.MemorySizeConverter())
                .withSources(new io.smallrye.config.EnvConfigSource(Map.of("TOTPD_WEBHOOKS_CRM_URL", "http://crm:8080/hooks",
                        "TOTPD_WEBHOOKS_CRM_TENANT", "acme", "TOTPD_WEBHOOKS_CRM_SECRET", SECRET,
                        "TOTPD_WEBHOOKS_CRM_EVENTS", "user.locked,code.verified", "TOTPD_WEBHOOKS_ALLOW_HTTP", "true"), 300))
                .build().getConfigMapping(TotpdConfig.class);
        Endpoints endpoints = new Endpoints(config);
        assertEquals("http://crm:8080/hooks", endpoints.all().get("crm").url().toString());
        assertEquals(Set.of("user.locked", "code.verified"), Set.of(endpoints.routes("acme").types()));
    }

    @Test
    void codeVerifiedIsSentWhenNamed() {
        Outbox.Routes routes = endpoints(Map.of("totpd.webhooks.crm.events", "code.verified,user.locked")).routes("acme");
        assertEquals(Set.of("code.verified", "user.locked"), Set.of(routes.types()));
        assertEquals(Set.of("VERIFIED", "LOCKED"), Set.of(routes.auditTypes()));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "totpd.webhooks.crm.url    | http://crm.example/hooks         | totpd.webhooks.allow-http",
        "totpd.webhooks.crm.url    | ftp://crm.example/hooks          | https URL",
        "totpd.webhooks.crm.url    | https://user:pw@crm.example/     | must not hold a user",
        "totpd.webhooks.crm.url    | not a url                        | totpd.webhooks.crm.url",
        "totpd.webhooks.crm.secret | MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw | starts with whsec_",
        "totpd.webhooks.crm.secret | whsec_c2hvcnQ=                   | 24 to 64 random bytes",
        "totpd.webhooks.crm.secret | whsec_not*base64                 | base64",
        "totpd.webhooks.crm.events | user.locked,user.lockd           | unknown event type 'user.lockd'",
        "totpd.webhooks.crm.tenant | ac me                            | totpd.webhooks.crm.tenant",
    })
    void aSettingThatWouldLoseOrLeakEventsStopsTheStart(String name, String value, String message) {
        Exception refused = assertThrows(IllegalArgumentException.class, () -> endpoints(Map.of(name, value)));
        assertTrue(refused.getMessage().contains(message), refused.getMessage());
        assertTrue(!refused.getMessage().contains("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), "never the secret: " + refused.getMessage());
    }
}
