package io.totpd.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LockoutPolicyTest {

    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
    private static final Lockout DEFAULT = new Lockout(5, Duration.ofSeconds(30), Duration.ofMinutes(15), 100);

    @Test
    void locksFromTheFifthFailureDoublingUpToTheCap() {
        assertNull(DEFAULT.lockedUntil(4, NOW));
        assertEquals(NOW.plusSeconds(30), DEFAULT.lockedUntil(5, NOW));
        assertEquals(NOW.plusSeconds(60), DEFAULT.lockedUntil(6, NOW));
        assertEquals(NOW.plusSeconds(480), DEFAULT.lockedUntil(9, NOW));
        assertEquals(NOW.plusSeconds(900), DEFAULT.lockedUntil(10, NOW));
        assertEquals(NOW.plusSeconds(900), DEFAULT.lockedUntil(99, NOW));
    }

    @Test
    void disablesAtTheLimit() {
        assertFalse(DEFAULT.disables(99));
        assertTrue(DEFAULT.disables(100));
    }

    @Test
    void neverAllowsMoreThanOneHundredFailures() {
        assertThrows(IllegalArgumentException.class, () -> new Lockout(5, Duration.ofSeconds(30), Duration.ofMinutes(15), 101));
        assertThrows(IllegalArgumentException.class, () -> new Lockout(0, Duration.ofSeconds(30), Duration.ofMinutes(15), 100));
        assertThrows(IllegalArgumentException.class, () -> new Lockout(5, Duration.ofMinutes(1), Duration.ofSeconds(30), 100));
    }
}
