package io.totpd.support;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.totpd.dev.EmbeddedDatabase;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.util.Map;

/**
 * Every test runs against a real PostgreSQL: the embedded one, or the server named by
 * QUARKUS_DATASOURCE_JDBC_URL when that is set.
 */
@QuarkusTestResource(EmbeddedPostgresResource.class)
public class EmbeddedPostgresResource implements QuarkusTestResourceLifecycleManager {

    private EmbeddedPostgres postgres;

    @Override
    public Map<String, String> start() {
        if (System.getenv("QUARKUS_DATASOURCE_JDBC_URL") != null) {
            return Map.of();
        }
        postgres = EmbeddedDatabase.startEphemeral();
        return EmbeddedDatabase.datasourceConfig(postgres);
    }

    @Override
    public void stop() {
        if (postgres != null) {
            try {
                postgres.close();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
