package io.totpd.quota;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * What a call costs its caller's rates ({@link Bucket}), charged by {@link QuotaFilter} after the
 * caller is authenticated and before the body is read. Declared beside {@link io.totpd.caller.Requires}:
 * on a resource class for all its calls ({@code @Charge(other = 1)}, the deliberate "everything else"),
 * or on a method, which then decides alone. Every call with a key has one (a test walks every
 * resource); one without would be charged {@code other = 1}.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface Charge {

    /** Units of {@link Bucket#CHECKS}. */
    int checks() default 0;

    /** Argon2id hashes, units of {@link Bucket#EXPENSIVE}: the most the call may compute. */
    int expensive() default 0;

    /** Units of {@link Bucket#OTHER}. */
    int other() default 0;

    /**
     * A call that costs nothing: {@code GET /quota}, so that a caller over its rates can still see
     * them. (The signed QR link and Quarkus's probes and metrics have no caller and are never charged.)
     */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.METHOD)
    @interface Free {
    }
}
