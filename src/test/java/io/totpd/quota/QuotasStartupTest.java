package io.totpd.quota;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.totpd.TotpdConfig;
import io.totpd.caller.Caller;
import io.totpd.caller.Scope;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Quota settings no call could live with are refused at start-up, naming the setting; the names work
 * as properties and as environment variables, as the README spells them.
 */
class QuotasStartupTest {

    private static final List<Caller> CALLERS = List.of(new Caller(0, "portal", "acme", Set.of(Scope.VERIFY, Scope.MANAGE)),
            new Caller(1, "login", "acme", Set.of(Scope.VERIFY)));

    @Test
    void theDefaultsStartAndEachCallerMayHaveRatesOfItsOwn() {
        Quotas quotas = quotas(Map.of("totpd.callers.login.quota.checks.rate", "0.5", "totpd.callers.login.quota.checks.burst", "4"),
                Map.of());
        long now = 1_800_000_000L * 1_000_000_000L;
        assertEquals(new CallerQuota.Level(100, 200, 200, 0), quotas.of(CALLERS.get(0)).level(Bucket.CHECKS, now));
        assertEquals(new CallerQuota.Level(20, 200, 200, 0), quotas.of(CALLERS.get(0)).level(Bucket.EXPENSIVE, now));
        assertEquals(new CallerQuota.Level(100, 200, 200, 0), quotas.of(CALLERS.get(0)).level(Bucket.OTHER, now));
        assertEquals(new CallerQuota.Level(0.5, 4, 4, 0), quotas.of(CALLERS.get(1)).level(Bucket.CHECKS, now));
        assertEquals(new Quotas.Caps(10_000, "totpd.quota.max-pending-enrollments", 10_000_000,
                "totpd.quota.max-authenticators"), quotas.caps("acme"));
        assertTrue(quotas.enabled());
    }

    @Test
    void environmentVariablesSetTheDefaultsAndACallersOwnRatesAndATenantsCaps() {
        Quotas quotas = quotas(Map.of(), Map.of("TOTPD_QUOTA_CHECKS_RATE", "50", "TOTPD_CALLERS_LOGIN_QUOTA_EXPENSIVE_BURST", "30",
                "TOTPD_TENANTS_ACME_MAX_PENDING_ENROLLMENTS", "7", "TOTPD_QUOTA_ENABLED", "false"));
        long now = 1_800_000_000L * 1_000_000_000L;
        assertEquals(50, quotas.of(CALLERS.get(0)).level(Bucket.CHECKS, now).rate());
        assertEquals(30, quotas.of(CALLERS.get(1)).level(Bucket.EXPENSIVE, now).burst());
        assertEquals(200, quotas.of(CALLERS.get(0)).level(Bucket.EXPENSIVE, now).burst());
        assertEquals(new Quotas.Caps(7, "totpd.tenants.acme.max-pending-enrollments", 10_000_000,
                "totpd.quota.max-authenticators"), quotas.caps("acme"));
        assertEquals(false, quotas.enabled());
    }

    @Test
    void aBurstBelowTheLargestChargeOfItsBucketIsRefusedNamingTheSetting() {
        String message = refused(Map.of("totpd.callers.portal.quota.expensive.burst", "9"));
        assertTrue(message.startsWith("totpd.callers.portal.quota.expensive.burst is 9, below 10"), message);
        assertTrue(message.contains("could never pass"), message);
        assertTrue(refused(Map.of("totpd.quota.checks.burst", "0")).startsWith("totpd.quota.checks.burst is 0, below 1"));
    }

    @Test
    void aRateThatIsNotAboveZeroIsRefusedNamingTheSetting() {
        assertTrue(refused(Map.of("totpd.quota.other.rate", "0")).startsWith("totpd.quota.other.rate must be a number of units"));
        assertTrue(refused(Map.of("totpd.callers.login.quota.checks.rate", "-1"))
                .startsWith("totpd.callers.login.quota.checks.rate must be"));
        assertTrue(refused(Map.of("totpd.quota.checks.rate", "NaN")).startsWith("totpd.quota.checks.rate must be"));
        assertTrue(refused(Map.of("totpd.quota.checks.rate", "0.000000001", "totpd.quota.checks.burst", "1000000"))
                .contains("at most 30 years"));
    }

    @Test
    void capsBelowOneAndCapsOfATenantNoCallerHasAreRefused() {
        assertEquals("totpd.quota.max-pending-enrollments must be at least 1",
                refused(Map.of("totpd.quota.max-pending-enrollments", "0")));
        assertEquals("totpd.tenants.acme.max-authenticators must be at least 1",
                refused(Map.of("totpd.tenants.acme.max-authenticators", "0")));
        assertTrue(refused(Map.of("totpd.tenants.acne.max-authenticators", "5")).startsWith("totpd.tenants.acne.*: no caller"));
    }

    private static String refused(Map<String, String> properties) {
        return assertThrows(IllegalArgumentException.class, () -> quotas(properties, Map.of())).getMessage();
    }

    /** The service's own configuration mapping, with two callers of tenant acme and the given settings. */
    private static Quotas quotas(Map<String, String> properties, Map<String, String> environment) {
        Map<String, String> all = new HashMap<>(properties);
        for (Caller caller : CALLERS) {
            all.put("totpd.callers." + caller.name() + ".tenant", caller.tenant());
            all.put("totpd.callers." + caller.name() + ".scopes", "verify");
            all.put("totpd.callers." + caller.name() + ".key-sha256", "00".repeat(32));
        }
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(all, "test", 300), new EnvConfigSource(environment, 400))
                .withConverter(Duration.class, 100, new DurationConverter())
                .withConverter(io.quarkus.runtime.configuration.MemorySize.class, 100, new MemorySizeConverter())
                .withMapping(TotpdConfig.class)
                .build();
        return new Quotas(config.getConfigMapping(TotpdConfig.class), CALLERS, new SimpleMeterRegistry());
    }
}
