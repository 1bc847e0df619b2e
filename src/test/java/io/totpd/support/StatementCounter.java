package io.totpd.support;

import io.agroal.api.AgroalDataSource;
import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Alternative;
import jakarta.enterprise.inject.Produces;
import jakarta.enterprise.inject.Typed;
import jakarta.inject.Singleton;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/**
 * Counts what code that takes a plain {@link DataSource} (the {@code /verify} path) sends to
 * PostgreSQL: each executed statement is one round trip, and so is each explicit commit. The ORM
 * keeps its own datasource and is not counted.
 */
@Singleton
public class StatementCounter {

    private final AtomicInteger statements = new AtomicInteger();
    private final AtomicInteger commits = new AtomicInteger();

    @Produces
    @Alternative
    @Priority(1)
    @Singleton
    @Typed(DataSource.class)
    DataSource counted(AgroalDataSource dataSource) {
        return proxy(DataSource.class, dataSource, (method, result) ->
                method.getName().equals("getConnection") ? proxy(Connection.class, result, this::countedStatement) : result);
    }

    /** The statements and commits sent while {@code work} ran. */
    public Counts during(Runnable work) {
        statements.set(0);
        commits.set(0);
        work.run();
        return new Counts(statements.get(), commits.get());
    }

    public record Counts(int statements, int commits) {
    }

    private Object countedStatement(Method method, Object result) {
        if (method.getName().equals("commit") && byRequest()) {
            commits.incrementAndGet();
        }
        if (result instanceof Statement statement) {
            return proxy(method.getReturnType(), statement, (executed, value) -> {
                if (executed.getName().startsWith("execute") && byRequest()) {
                    statements.incrementAndGet();
                }
                return value;
            });
        }
        return result;
    }

    /** The webhook senders poll on threads of their own; what a request sends is what counts. */
    private static boolean byRequest() {
        return !Thread.currentThread().getName().startsWith("totpd-webhooks");
    }

    private interface AfterCall {
        Object apply(Method method, Object result);
    }

    private static <T> T proxy(Class<T> type, Object target, AfterCall after) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
            try {
                return after.apply(method, method.invoke(target, args));
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }));
    }
}
