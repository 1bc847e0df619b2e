package io.totpd.caller;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.totpd.TotpdConfig;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Configurations that could only ever let the wrong caller in are refused at start-up. */
class CallersStartupTest {

    @ParameterizedTest
    @ValueSource(strings = {"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"})
    void theHashOfTheEmptyKeyIsRefusedNamingTheCaller(String emptyKeyHash) {
        Exception refused = assertThrows(RuntimeException.class, () -> new Callers(config("portal", emptyKeyHash)));
        assertTrue(refused.getMessage().contains("totpd.callers.portal.key-sha256"), refused.getMessage());
        assertTrue(refused.getMessage().contains("empty"), refused.getMessage());
    }

    @Test
    void anEmptyKeyIsNeverAccepted() {
        Callers callers = new Callers(config("portal", "c39772b50eb74d51fa486e2f0c5044b8c53eb104cf9aaf253698037f178d1b5d"));
        assertTrue(callers.byKey("").isEmpty());
        assertTrue(callers.byKey("test-portal-key").isPresent());
    }

    /** A configuration with one caller of tenant acme and both scopes. */
    private static TotpdConfig config(String name, String keySha256) {
        TotpdConfig.CallerConfig caller = new TotpdConfig.CallerConfig() {
            @Override
            public String tenant() {
                return "acme";
            }

            @Override
            public Set<Scope> scopes() {
                return Set.of(Scope.VERIFY, Scope.MANAGE);
            }

            @Override
            public List<String> keySha256() {
                return List.of(keySha256);
            }

            @Override
            public TotpdConfig.CallerQuotaConfig quota() {
                throw new UnsupportedOperationException("Callers reads no quota");
            }
        };
        return (TotpdConfig) Proxy.newProxyInstance(TotpdConfig.class.getClassLoader(), new Class<?>[] {TotpdConfig.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("callers")) {
                        return Map.of(name, caller);
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }
}
