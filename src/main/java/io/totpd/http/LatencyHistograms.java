package io.totpd.http;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * Request latency as Prometheus histograms, so p99 can be computed across replicas; their {@code uri}
 * tag is always a route template ({@link HttpLayer#routeName}), never a path a caller made up.
 */
public class LatencyHistograms {

    private static final String REQUESTS = "http.server.requests";

    @Produces
    @Singleton
    MeterFilter httpServerHistograms(HttpLayer http) {
        return new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                // Answers made before routing (405, OPTIONS, 414, 431) carry the raw path, user ids included.
                String uri = id.getName().equals(REQUESTS) ? id.getTag("uri") : null;
                if (uri == null) {
                    return id;
                }
                String name = http.routeName(uri);
                return name.equals(uri) ? id : id.replaceTags(Tags.of(id.getTagsAsIterable()).and("uri", name));
            }

            @Override
            public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                if (id.getName().equals(REQUESTS)) {
                    return DistributionStatisticConfig.builder().percentilesHistogram(true).build().merge(config);
                }
                return config;
            }
        };
    }
}
