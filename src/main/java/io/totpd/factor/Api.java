package io.totpd.factor;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.time.Instant;

/** The request and response bodies of the factor API, as openapi.yaml describes them. */
public final class Api {

    /** Path-safe user ids; "." and ".." alone are refused because URL paths would resolve them away. */
    public static final String USER_ID = "^(?!\\.\\.?$)[A-Za-z0-9._@+-]{1,128}$";
    public static final String USER_ID_MESSAGE = "must be 1-128 characters of A-Z a-z 0-9 . _ @ + - (and not . or ..)";

    private Api() {
    }

    public record EnrollRequest(
            @NotNull(message = "is required") @Pattern(regexp = USER_ID, message = USER_ID_MESSAGE) String userId,
            @Pattern(regexp = "^[^:\\p{C}]{1,128}$", message = "must be 1-128 printable characters without ':'")
            String accountName) {
    }

    public record CodeRequest(
            @NotNull(message = "is required") @Pattern(regexp = USER_ID, message = USER_ID_MESSAGE) String userId,
            @NotNull(message = "is required") String code) {
    }

    public record Enrollment(String userId, String secret, String manualEntryKey, String otpauthUri, String qrCodeUrl,
            Instant expiresAt, String algorithm, int digits, int period) {
    }

    public record Activation(String userId, String state, Instant activatedAt) {
    }

    public record Verification(String userId, boolean verified, String method) {
    }

    public record UserStatus(String userId, String state, Instant createdAt, Instant activatedAt, Instant lastVerifiedAt) {
    }
}
