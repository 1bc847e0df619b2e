package io.totpd.core;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.totpd.TotpdConfig;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** An issuer that would leave no room for a long account name is refused before any user meets it. */
class IssuerStartupTest {

    @Test
    void anIssuerThatLeavesNoRoomForTheLongestUserIdIsRefused() {
        Exception refused = assertThrows(RuntimeException.class, () -> policy("Acme ".repeat(120)));
        assertTrue(refused.getMessage().contains("totpd.issuer"), refused.getMessage());
        assertTrue(refused.getMessage().contains("QR"), refused.getMessage());
    }

    @Test
    void aLongButReasonableIssuerIsAccepted() {
        assertDoesNotThrow(() -> policy("Acme Corporation Employee Single Sign-On (Europe)"));
    }

    private static Policy policy(String issuer) {
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(TotpdConfig.class)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withConverter(MemorySize.class, 200, new MemorySizeConverter())
                .withDefaultValue("totpd.issuer", issuer).build();
        return new Policy(config.getConfigMapping(TotpdConfig.class), Clock.systemUTC());
    }
}
