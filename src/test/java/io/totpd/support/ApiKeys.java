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

    /** Tenant quota, verify and manage, with low rates of its own: checks 1 a second (bursts of 3), expensive and other 1 (20). */
    public static final String LIMITED = "test-limited-key";
    /** Tenant quota, verify and manage, checks 1 a second (bursts of 3): another caller of LIMITED's tenant. */
    public static final String NEIGHBOUR = "test-neighbour-key";
    /** Tenant spray, verify only, checks 5 a second (bursts of 20). */
    public static final String SPRAYER = "test-sprayer-key";
    /** Tenant capped (3 pending enrollments at most), verify and manage. */
    public static final String CAPPER = "test-capper-key";
    /** Tenant full (5 authenticators at most, pending and active), manage and import. */
    public static final String FILLER = "test-filler-key";
    /** Tenant racing (5 pending enrollments at most), manage. */
    public static final String RACER = "test-racer-key";

    private ApiKeys() {
    }
}
