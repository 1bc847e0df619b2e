package io.totpd.support;

import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The service's clock in tests. It starts at the real time and only ever moves forward, so a test
 * that moves it cannot break another one, whatever the order.
 */
@Alternative
@Priority(1)
@Singleton
public class TestClock extends Clock {

    private volatile Instant now = Instant.now();

    @Override
    public Instant instant() {
        return now;
    }

    public synchronized void advance(Duration duration) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException("the test clock only moves forward");
        }
        now = now.plus(duration);
    }

    /** Moves to the start of the next time step, so a test has the whole step to itself. */
    public void advanceToNextStep(long periodSeconds) {
        long second = now.getEpochSecond();
        now = Instant.ofEpochSecond(second - Math.floorMod(second, periodSeconds) + periodSeconds);
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException();
    }
}
