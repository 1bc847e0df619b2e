package io.totpd.api;

import io.totpd.core.Enrollment;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.time.Instant;
import java.util.List;

/** The request and response bodies of the API, as openapi.yaml describes them. */
public final class Api {

    /** Path-safe user ids; "." and ".." alone are refused because URL paths would resolve them away. */
    public static final String USER_ID = "^(?!\\.\\.?$)[A-Za-z0-9._@+-]{1,128}$";
    public static final String USER_ID_MESSAGE = "must be 1-128 characters of A-Z a-z 0-9 . _ @ + - (and not . or ..)";
    static final String REQUIRED = "is required";

    private Api() {
    }

    public record EnrollRequest(
            @NotNull(message = REQUIRED) @Pattern(regexp = USER_ID, message = USER_ID_MESSAGE) String userId,
            @Pattern(regexp = "^[^:\\p{C}]{1,128}$", message = "must be 1-128 printable characters without ':'")
            String accountName,
            Boolean replace) {
    }

    public record CodeRequest(
            @NotNull(message = REQUIRED) @Pattern(regexp = USER_ID, message = USER_ID_MESSAGE) String userId,
            @NotNull(message = REQUIRED) String code) {
    }

    public record RecoverRequest(
            @NotNull(message = REQUIRED) @Pattern(regexp = USER_ID, message = USER_ID_MESSAGE) String userId,
            @NotNull(message = REQUIRED) String backupCode) {
    }

    public record Enrollment(String userId, String secret, String manualEntryKey, String otpauthUri, String qrCodeUrl,
            Instant expiresAt, String algorithm, int digits, int period) {
    }

    public record Activation(String userId, String state, Instant activatedAt, List<String> backupCodes) {
    }

    public record Verification(String userId, boolean verified, String method) {
    }

    public record Recovery(String userId, boolean verified, String method, long backupCodesRemaining) {
    }

    public record BackupCodeSet(List<String> backupCodes) {
    }

    public record UserStatus(String userId, String state, Instant createdAt, Instant activatedAt, Instant lastVerifiedAt,
            int failedAttempts, Instant lockedUntil, long backupCodesRemaining) {
    }
}
