package io.totpd.caller;

/** What a caller may do: a login service needs only VERIFY and so cannot enroll or delete anyone. */
public enum Scope {
    /** POST /verify and POST /recover. */
    VERIFY,
    /** Every other call: enroll, activate, QR codes, status, backup codes, deletion, events. */
    MANAGE
}
