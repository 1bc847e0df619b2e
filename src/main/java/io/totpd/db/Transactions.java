package io.totpd.db;

import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.inject.Singleton;
import jakarta.persistence.EntityManager;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * Runs the use cases that write, each in a transaction of its own: the table classes' JDBC and the
 * ORM's backup codes share its one connection (Agroal enlists it). A transaction
 * that lost a race ({@link DatabaseFailure#LOST_RACE}: a deadlock or serialization failure) was
 * rolled back whole, so it is simply run again, a bounded number of times; if it keeps losing, the
 * failure reaches the caller as 409 {@code conflict} with {@code Retry-After}.
 *
 * <p>A result returned from {@code work} commits, whatever it says (a wrong code is a result, and
 * its failure count must commit); an exception rolls everything back.
 */
@Singleton
public class Transactions {

    /** The first try and two more: a lifecycle call that loses three times running is under a storm. */
    static final int ATTEMPTS = 3;

    private final EntityManager entities;

    Transactions(EntityManager entities) {
        this.entities = entities;
    }

    /** {@code work} in a new transaction, run again after a lost race; its exceptions pass through. */
    public <T> T write(Supplier<T> work) {
        return run(work);
    }

    /**
     * {@code work} exactly as {@link #write} runs it, in a transaction that is then rolled back: a dry
     * run that takes the same locks and sees the same rows, and leaves nothing behind.
     */
    @SuppressWarnings("unchecked")
    public <T> T rehearse(Supplier<T> work) {
        try {
            run(() -> {
                throw new Rehearsed(work.get());
            });
            throw new IllegalStateException("unreachable");
        } catch (Rehearsed rehearsed) {
            return (T) rehearsed.result;
        }
    }

    /** Carries a rehearsal's result out of its transaction, which rolls back because it ends in an exception. */
    private static final class Rehearsed extends RuntimeException {
        private final transient Object result;

        Rehearsed(Object result) {
            super(null, null, false, false);
            this.result = result;
        }
    }

    private <T> T run(Supplier<T> work) {
        for (int attempt = 1; ; attempt++) {
            try {
                return QuarkusTransaction.requiringNew().call(() -> {
                    T result = work.get();
                    // The ORM's pending writes (backup codes) go now, inside the transaction, so a failure
                    // surfaces here with its SQLSTATE rather than from the commit, where the transaction
                    // manager may hide its cause.
                    entities.flush();
                    return result;
                });
            } catch (RuntimeException e) {
                if (attempt == ATTEMPTS || DatabaseFailure.of(e).orElse(null) != DatabaseFailure.LOST_RACE) {
                    throw e;
                }
                pause(attempt);
            }
        }
    }

    /**
     * {@code work} in a short transaction of its own that only reads: its connection goes back to the
     * pool when it returns, so that a request never holds one across slow work of its own (hashing)
     * and then asks for a second.
     */
    public <T> T read(Supplier<T> work) {
        return QuarkusTransaction.requiringNew().call(work::get);
    }

    /** A few random milliseconds, growing, so that the transactions that collided do not collide again. */
    private static void pause(int attempt) {
        try {
            Thread.sleep(ThreadLocalRandom.current().nextLong(5L << attempt, 20L << attempt));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while retrying a transaction", e);
        }
    }
}
