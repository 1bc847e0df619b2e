package io.totpd.tracing;

import static io.totpd.support.Users.newUserId;
import static io.totpd.support.Users.verify;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.agroal.api.AgroalDataSource;
import io.opentelemetry.instrumentation.jdbc.datasource.OpenTelemetryDataSource;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.quarkus.arc.ClientProxy;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * With no OTLP endpoint configured, as in every other test and by default in production, there are
 * no traces, and nothing stands between the service and its connection pool: the statements of
 * HotPathTest are counted on the pool's own connections.
 */
@QuarkusTest
class TracesOffTest {

    @Inject
    InMemorySpanExporter exporter;

    @Inject
    AgroalDataSource dataSource;

    @Test
    void withoutAnEndpointARequestMakesNoSpanAndStatementsGoStraightToThePool() throws InterruptedException {
        exporter.reset();
        verify(newUserId(), "123456").then().statusCode(404);
        Thread.sleep(200);

        assertEquals(List.of(), exporter.getFinishedSpanItems());
        assertFalse(ClientProxy.unwrap(dataSource) instanceof OpenTelemetryDataSource, "the datasource is not wrapped");
    }
}
