package io.totpd.caller;

import java.util.Set;

/** An authenticated calling service: the name it is audited under, its tenant and its scopes. */
public record Caller(String name, String tenant, Set<Scope> scopes) {
}
