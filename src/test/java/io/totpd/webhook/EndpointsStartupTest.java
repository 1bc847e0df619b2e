package io.totpd.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.totpd.TotpdConfig;
import io.totpd.audit.AuditEvent;
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
        Endpoints.Endpoint crm = endpoints(Map.of("totpd.webhooks.allow-http", "false")).all().get("crm");
        Map<AuditEvent.Type, EventType> routes = crm.routes();
        assertTrue(routes.containsValue(EventType.AUTHENTICATOR_ADDED));
        assertTrue(!routes.containsValue(EventType.CODE_VERIFIED));
        assertEquals("acme", crm.tenant());
        // Enrolling and adding an authenticator are both authenticator.added.
        assertEquals(EventType.AUTHENTICATOR_ADDED, routes.get(AuditEvent.Type.ENROLLED));
        assertEquals(EventType.AUTHENTICATOR_ADDED, routes.get(AuditEvent.Type.AUTHENTICATOR_ADDED));
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
        assertEquals(Set.of(EventType.USER_LOCKED, EventType.CODE_VERIFIED), endpoints.all().get("crm").events());
    }

    @Test
    void codeVerifiedIsSentWhenNamed() {
        Map<AuditEvent.Type, EventType> routes = endpoints(Map.of("totpd.webhooks.crm.events", "code.verified,user.locked"))
                .all().get("crm").routes();
        assertEquals(Map.of(AuditEvent.Type.VERIFIED, EventType.CODE_VERIFIED, AuditEvent.Type.LOCKED, EventType.USER_LOCKED), routes);
    }

    @Test
    void anEndpointWithoutASecretNamesTheSettingAndItsEnvironmentVariable() {
        // An unset shell variable ($WEBHOOK_SECRET in another terminal) is the usual way to get here.
        Map<String, String> noSecret = Map.of("totpd.webhooks.local-dev.url", "https://crm.example/hooks",
                "totpd.webhooks.local-dev.tenant", "acme");
        Exception refused = assertThrows(IllegalArgumentException.class, () -> endpoints(noSecret));
        assertEquals("totpd.webhooks.local-dev.secret (TOTPD_WEBHOOKS_LOCAL_DEV_SECRET) is missing or empty: "
                + "one or more whsec_ secrets, comma-separated", refused.getMessage());
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
        "totpd.webhooks.crm.events | user.locked,user.lockd           | unknown event type 'user.lockd'; the types: *, authenticator.added,",
        "totpd.webhooks.crm.tenant | ac me                            | totpd.webhooks.crm.tenant",
        "totpd.webhooks.crm.secret | ''                               | totpd.webhooks.crm.secret (TOTPD_WEBHOOKS_CRM_SECRET) is missing or empty",
        "totpd.webhooks.crm.secret | ' , '                            | totpd.webhooks.crm.secret (TOTPD_WEBHOOKS_CRM_SECRET) is missing or empty",
        "totpd.webhooks.crm.url    | ''                               | totpd.webhooks.crm.url (TOTPD_WEBHOOKS_CRM_URL) is missing or empty",
        "totpd.webhooks.crm.tenant | ''                               | totpd.webhooks.crm.tenant (TOTPD_WEBHOOKS_CRM_TENANT) is missing or empty",
    })
    void aSettingThatWouldLoseOrLeakEventsStopsTheStart(String name, String value, String message) {
        Exception refused = assertThrows(IllegalArgumentException.class, () -> endpoints(Map.of(name, value)));
        assertTrue(refused.getMessage().contains(message), refused.getMessage());
        assertTrue(!refused.getMessage().contains("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), "never the secret: " + refused.getMessage());
    }
}
