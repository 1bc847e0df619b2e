package io.totpd.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** The request and response bodies of the API, as openapi.yaml describes them. */
public final class Api {

    /** Path-safe user ids; "." and ".." alone are refused because URL paths would resolve them away. */
    public static final String USER_ID = "^(?!\\.\\.?$)[A-Za-z0-9._@+-]{1,128}$";
    public static final String USER_ID_MESSAGE = "must be 1-128 characters of A-Z a-z 0-9 . _ @ + - (and not . or ..)";
    static final String REQUIRED = "is required";
    public static final String ACCOUNT_NAME = "^[^:\\p{C}]{1,128}$";
    static final String ACCOUNT_NAME_MESSAGE = "must be 1-128 printable characters without ':'";
    /** An authenticator's name, chosen by the user to tell devices apart: printable, not padded with spaces. */
    public static final String NAME = "^(?=\\S)[^\\p{C}]{1,64}(?<=\\S)$";
    public static final String NAME_MESSAGE = "must be 1-64 printable characters, not starting or ending with a space";

    private Api() {
    }

    public record EnrollRequest(
            @NotNull(message = REQUIRED) @Pattern(regexp = USER_ID, message = USER_ID_MESSAGE) String userId,
            @Pattern(regexp = ACCOUNT_NAME, message = ACCOUNT_NAME_MESSAGE) String accountName,
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

    /** {@code authenticatorId} and {@code name} say which of the user's authenticators the code came from. */
    public record Verification(String userId, boolean verified, String method, UUID authenticatorId, String name) {
    }

    public record Recovery(String userId, boolean verified, String method, long backupCodesRemaining) {
    }

    public record BackupCodeSet(List<String> backupCodes) {
    }

    /** {@code authenticators} counts the active ones; {@code backupCodesLow} is true at or below the configured threshold. */
    public record UserStatus(String userId, String state, Instant createdAt, Instant activatedAt, Instant lastVerifiedAt,
            int failedAttempts, Instant lockedUntil, long backupCodesRemaining, int authenticators, boolean suspended,
            boolean backupCodesLow) {
    }

    public record AddAuthenticatorRequest(
            @Pattern(regexp = NAME, message = NAME_MESSAGE) String name,
            @Pattern(regexp = ACCOUNT_NAME, message = ACCOUNT_NAME_MESSAGE) String accountName) {
    }

    public record RenameRequest(@NotNull(message = REQUIRED) @Pattern(regexp = NAME, message = NAME_MESSAGE) String name) {
    }

    public record ActivateRequest(@NotNull(message = REQUIRED) String code) {
    }

    /** A pending authenticator, with its secret in every form an app needs: shown this once. */
    public record NewAuthenticator(UUID authenticatorId, String name, String secret, String manualEntryKey,
            String otpauthUri, String qrCodeUrl, Instant expiresAt, String algorithm, int digits, int period) {
    }

    /** {@code backupCodes} only when this is the user's first active authenticator: shown that once. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record AuthenticatorActivation(UUID authenticatorId, String name, String state, Instant activatedAt,
            List<String> backupCodes) {
    }

    /**
     * An authenticator as a helpdesk sees it: never its secret. {@code weakSecret}: imported with a
     * secret of fewer than 128 bits; ask the user to add a new authenticator and remove this one.
     */
    public record AuthenticatorSummary(UUID authenticatorId, String name, String state, Instant createdAt,
            Instant activatedAt, Instant lastUsedAt, boolean weakSecret) {
    }

    public record AuthenticatorList(List<AuthenticatorSummary> authenticators) {
    }
}
