package io.totpd.support;

import static io.restassured.RestAssured.given;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.report.LevelResolver;
import com.atlassian.oai.validator.report.ValidationReport;
import com.atlassian.oai.validator.restassured.OpenApiValidationFilter;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.nio.file.Path;

/** REST Assured requests whose exchanges are checked against openapi.yaml, the contract. */
public final class Contract {

    public static final Path OPENAPI = Path.of("openapi.yaml").toAbsolutePath();

    private static final OpenApiValidationFilter REQUEST_AND_RESPONSE = filter(LevelResolver.create().build());

    /** For requests that are wrong on purpose: only the answer has to follow the contract. */
    private static final OpenApiValidationFilter RESPONSE_ONLY = filter(LevelResolver.create()
            .withLevel("validation.request", ValidationReport.Level.IGNORE)
            .build());

    private Contract() {
    }

    /** A well-formed JSON request of the portal caller; request and response must both match the contract. */
    public static RequestSpecification api() {
        return as(ApiKeys.PORTAL);
    }

    /** A well-formed JSON request with the given API key. */
    public static RequestSpecification as(String apiKey) {
        return given().filter(REQUEST_AND_RESPONSE).contentType(ContentType.JSON).auth().oauth2(apiKey);
    }

    /** A request of the portal caller that may break the contract; the response must still match it. */
    public static RequestSpecification raw() {
        return anonymous().auth().oauth2(ApiKeys.PORTAL);
    }

    /** A request without any key, which may break the contract; the response must still match it. */
    public static RequestSpecification anonymous() {
        return given().filter(RESPONSE_ONLY);
    }

    private static OpenApiValidationFilter filter(LevelResolver levels) {
        return new OpenApiValidationFilter(OpenApiInteractionValidator
                .createForSpecificationUrl(OPENAPI.toUri().toString())
                .withLevelResolver(levels)
                .build());
    }
}
