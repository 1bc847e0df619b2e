package io.totpd.caller;

/** What a caller may do: a login service needs only VERIFY and so cannot enroll or delete anyone. */
public enum Scope {
    /** POST /verify and POST /recover. */
    VERIFY,
    /** Every other call: enroll, activate, QR codes, status, backup codes, deletion, events. */
    MANAGE,
    /** POST /import: bulk creation of active authenticators with their replay state. */
    IMPORT,
    /**
     * POST /export: every secret of the tenant, encrypted to a recipient key. Granted to nobody by
     * default, and refused unless {@code totpd.export.enabled} is also set.
     */
    EXPORT
}
