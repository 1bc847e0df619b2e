package io.totpd.caller;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** The scope a resource's calls need; a resource without it is refused to everyone (fail closed). */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface Requires {

    Scope value();

    /**
     * A call every authenticated caller may make, whatever its scopes, because it tells a caller only
     * about itself ({@code GET /quota}: its own limits).
     */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.METHOD)
    @interface AnyScope {
    }

    /** A call anyone may make without a key, because it carries its own proof (a signed link). */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.METHOD)
    @interface Nobody {
    }
}
