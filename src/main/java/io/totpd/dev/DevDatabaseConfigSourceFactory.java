package io.totpd.dev;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.PropertiesConfigSource;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.spi.ConfigSource;
import org.jboss.logging.Logger;

/**
 * In dev mode with no {@code quarkus.datasource.jdbc.url}, starts the embedded PostgreSQL once per
 * JVM and points the datasource at it, so {@code ./mvnw quarkus:dev} needs nothing installed. The
 * URL is kept in a system property because a hot reload reloads this class but keeps the JVM.
 */
public class DevDatabaseConfigSourceFactory implements ConfigSourceFactory {

    private static final String URL = "quarkus.datasource.jdbc.url";
    private static final String STARTED = "embedded-postgres.dev-url";

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        boolean dev = context.getProfiles().contains("dev");
        boolean configured = context.getValue(URL).getValue() != null || System.getenv("QUARKUS_DATASOURCE_JDBC_URL") != null;
        if (!dev || configured) {
            return List.of();
        }
        return List.of(new PropertiesConfigSource(start(), "totpd-embedded-dev-database", 50));
    }

    private static synchronized Map<String, String> start() {
        String url = System.getProperty(STARTED);
        if (url == null) {
            var postgres = EmbeddedDatabase.startPersistent(Path.of("target", "dev-database"));
            var config = EmbeddedDatabase.datasourceConfig(postgres);
            // Its port is a new one each start; this line is how a developer reaches it with psql.
            Logger.getLogger(DevDatabaseConfigSourceFactory.class).infof(
                    "Dev mode's embedded PostgreSQL: psql postgresql://postgres:postgres@localhost:%d/postgres", postgres.getPort());
            System.setProperty(STARTED, config.get(URL));
            return config;
        }
        return Map.of(URL, url, "quarkus.datasource.username", "postgres", "quarkus.datasource.password", "postgres");
    }
}
