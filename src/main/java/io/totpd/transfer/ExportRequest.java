package io.totpd.transfer;

import io.totpd.api.Api;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.List;
import java.util.Map;

/**
 * The body of {@code POST /export}: the public JWK to seal every line to, and optionally the users to
 * export (all of the tenant's when absent).
 */
public record ExportRequest(
        @NotNull(message = "is required") Map<String, Object> recipient,
        @Size(min = 1, message = "must name at least one user, or be left out for all")
        List<@Pattern(regexp = Api.USER_ID, message = Api.USER_ID_MESSAGE) String> userIds) {
}
