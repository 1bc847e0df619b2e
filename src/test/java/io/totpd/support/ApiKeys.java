package io.totpd.support;

/** The API keys of the test profile's callers (application.properties holds their SHA-256). */
public final class ApiKeys {

    /** Tenant acme, scopes verify and manage: what most tests call as. */
    public static final String PORTAL = "test-portal-key";
    /** Tenant acme, scope verify only: a login service. */
    public static final String LOGIN = "test-login-key";
    /** Tenant globex, scopes verify and manage: another customer. */
    public static final String RIVAL = "test-rival-key";
    /** Tenant acme, scopes import and export only: a migration tool. */
    public static final String MIGRATOR = "test-migrator-key";

    /** Tenant hooks, every scope: the only tenant whose events go to the tests' webhook endpoints. */
    public static final String HOOKED = "test-hooked-key";

    private ApiKeys() {
    }
}
