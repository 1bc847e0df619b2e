package io.totpd.quota;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The arithmetic of a rate: a burst at once, then the rate, and the wait said exactly. */
class TokenBucketTest {

    private static final long SECOND = 1_000_000_000L;
    private static final long T0 = 1_800_000_000L * SECOND;

    @Test
    void aFullBucketTakesItsBurstAtOnceThenRefillsAtItsRate() {
        TokenBucket bucket = new TokenBucket(5, 20);
        assertEquals(20, bucket.remaining(T0));
        for (int i = 0; i < 20; i++) {
            assertEquals(0, bucket.shortfall(1, T0));
            bucket.take(1, T0);
        }
        assertEquals(0, bucket.remaining(T0));
        assertEquals(SECOND / 5, bucket.shortfall(1, T0));
        assertEquals(4 * SECOND, bucket.untilFull(T0));
        assertEquals(5, bucket.remaining(T0 + SECOND));
        assertEquals(20, bucket.remaining(T0 + 10 * SECOND), "never above the burst");
    }

    @Test
    void aChargeOfSeveralUnitsWaitsUntilAllOfThemAreBack() {
        TokenBucket bucket = new TokenBucket(1, 20);
        bucket.take(10, T0);
        bucket.take(10, T0);
        assertEquals(10 * SECOND, bucket.shortfall(10, T0));
        assertEquals(5 * SECOND, bucket.shortfall(10, T0 + 5 * SECOND));
        assertEquals(0, bucket.shortfall(10, T0 + 10 * SECOND));
    }

    @Test
    void aFractionalRateIsOneUnitPerSeveralSeconds() {
        TokenBucket bucket = new TokenBucket(0.5, 1);
        bucket.take(1, T0);
        assertEquals(2 * SECOND, bucket.shortfall(1, T0));
        assertEquals(0, bucket.remaining(T0 + SECOND));
        assertEquals(1, bucket.remaining(T0 + 2 * SECOND));
    }
}
