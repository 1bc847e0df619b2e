package io.totpd.support;

import java.util.Arrays;
import java.util.Optional;
import org.junit.platform.engine.FilterResult;
import org.junit.platform.engine.TestDescriptor;
import org.junit.platform.engine.TestSource;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.PostDiscoveryFilter;

/**
 * In the run through PgBouncer ({@link EmbeddedPostgresResource#THROUGH_PGBOUNCER}), keeps only the
 * {@code @QuarkusTest} classes, the ones that talk to the service and its database; the unit tests
 * already ran once. Registered for JUnit in META-INF/services; in any other run it keeps everything.
 */
public class QuarkusTestsOnly implements PostDiscoveryFilter {

    @Override
    public FilterResult apply(TestDescriptor descriptor) {
        if (!Boolean.getBoolean(EmbeddedPostgresResource.THROUGH_PGBOUNCER)) {
            return FilterResult.included("every test runs directly against PostgreSQL");
        }
        Optional<Class<?>> testClass = descriptor.getSource().flatMap(QuarkusTestsOnly::testClass);
        if (testClass.isEmpty() || isQuarkusTest(testClass.get())) {
            return FilterResult.included("a @QuarkusTest runs again through PgBouncer");
        }
        return FilterResult.excluded("not a @QuarkusTest: it never reaches the database");
    }

    private static Optional<Class<?>> testClass(TestSource source) {
        if (source instanceof ClassSource classSource) {
            return Optional.of(classSource.getJavaClass());
        }
        if (source instanceof MethodSource methodSource) {
            return Optional.of(methodSource.getJavaClass());
        }
        return Optional.empty();
    }

    /** By name: the class may come from another class loader than this filter's. */
    private static boolean isQuarkusTest(Class<?> testClass) {
        for (Class<?> c = testClass; c != null; c = c.getEnclosingClass()) {
            if (Arrays.stream(c.getAnnotations()).anyMatch(a -> a.annotationType().getName().equals("io.quarkus.test.junit.QuarkusTest"))) {
                return true;
            }
        }
        return false;
    }
}
