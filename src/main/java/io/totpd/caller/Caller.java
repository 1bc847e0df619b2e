package io.totpd.caller;

import java.util.Set;

/**
 * An authenticated calling service: the name it is audited under, its tenant and its scopes, and its
 * {@code index}, its place among the configured callers (0, 1, ...), by which state kept per caller
 * (its quota) is found in an array rather than looked up by name on every request.
 */
public record Caller(int index, String name, String tenant, Set<Scope> scopes) {
}
