package io.totpd.http;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;

/**
 * A request body means exactly what it says, or it is refused: a code sent as the number 012345 is
 * not the string "012345", {@code "replace": "true"} or {@code 1} is not {@code true}, a member sent
 * twice has no "right" value (and two parsers could pick different ones), and content after the value
 * could be a second request smuggled into the first. Every such body fails to read, and
 * {@link ProblemMapper} answers 400 naming the field.
 */
@Singleton
public class JsonStrictness implements ObjectMapperCustomizer {

    @Override
    public void customize(ObjectMapper mapper) {
        mapper.getFactory().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION.mappedFeature());
        mapper.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        mapper.enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
        mapper.disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
        mapper.disable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY);
        mapper.disable(DeserializationFeature.UNWRAP_SINGLE_VALUE_ARRAYS);
        // Explicit per type, so no future field (a number, a list, a date) falls back to Jackson's
        // lenient defaults; MapperFeature.ALLOW_COERCION_OF_SCALARS would cover scalars only.
        for (LogicalType type : LogicalType.values()) {
            for (CoercionInputShape shape : CoercionInputShape.values()) {
                // 1 is a fine JSON spelling of 1.0; every other shape change is a guess.
                boolean wholeNumberAsFloat = type == LogicalType.Float && shape == CoercionInputShape.Integer;
                mapper.coercionConfigFor(type).setCoercion(shape,
                        wholeNumberAsFloat ? CoercionAction.TryConvert : CoercionAction.Fail);
            }
            mapper.coercionConfigFor(type).setAcceptBlankAsEmpty(false);
        }
    }
}
