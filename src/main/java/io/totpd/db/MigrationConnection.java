package io.totpd.db;

import io.quarkus.flyway.FlywayConfigurationCustomizer;
import jakarta.inject.Singleton;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.flywaydb.core.api.configuration.FluentConfiguration;

/**
 * Flyway migrates over a connection of its own to the datasource's URL, not a pooled one: the pool's
 * connections give up on any answer after 2 s (pgjdbc's {@code socketTimeout}, see
 * application.properties), and a migration that rewrites a large table (V7 copies the audit trail)
 * runs for minutes. An explicit {@code quarkus.flyway.jdbc-url} (a direct URL behind a pooler) is
 * left as Quarkus set it. Either way the connection starts without a statement timeout, unless
 * {@code quarkus.flyway.init-sql} says otherwise (V7, which locks the busiest table, sets its own
 * {@code lock_timeout}).
 */
@Singleton
public class MigrationConnection implements FlywayConfigurationCustomizer {

    private final Optional<String> migrationUrl;
    private final Optional<String> url;
    private final Optional<String> username;
    private final Optional<String> password;

    MigrationConnection(@ConfigProperty(name = "quarkus.flyway.jdbc-url") Optional<String> migrationUrl,
            @ConfigProperty(name = "quarkus.datasource.jdbc.url") Optional<String> url,
            @ConfigProperty(name = "quarkus.datasource.username") Optional<String> username,
            @ConfigProperty(name = "quarkus.datasource.password") Optional<String> password) {
        this.migrationUrl = migrationUrl;
        this.url = url;
        this.username = username;
        this.password = password;
    }

    @Override
    public void customize(FluentConfiguration configuration) {
        if (migrationUrl.isEmpty() && url.isPresent()) {
            configuration.dataSource(url.get(), username.orElse(null), password.orElse(null));
        }
        // Behind a pooler the statement timeout is set on the role (deploy/README.md), and would apply here too.
        if (configuration.getInitSql() == null) {
            configuration.initSql("SET statement_timeout = 0");
        }
    }
}
