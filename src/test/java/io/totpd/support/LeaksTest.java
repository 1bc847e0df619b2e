package io.totpd.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The leak checks other tests rely on: a miss here would let a logged code through unseen. */
class LeaksTest {

    @Test
    void aCodeCountsWhereItStandsAloneNotInsideAnotherNumber() {
        assertTrue(Leaks.holds("verify accepted code=123456 user=u", "123456"));
        assertTrue(Leaks.holds("{\"code\":\"123456\"}", "123456"));
        assertTrue(Leaks.holds("123456", "123456"));
        assertFalse(Leaks.holds("2026-12-02 16:11:40.123456+00", "123456"), "a timestamp's microseconds");
        assertFalse(Leaks.holds("took 91234567 ns", "123456"), "inside a longer number");
        assertFalse(Leaks.holds("le=\"0.001234567\"", "123456"), "a decimal fraction");
    }

    @Test
    void anyOtherSecretCountsWhereverItOccurs() {
        assertTrue(Leaks.holds("keyJBSWY3DPEHPK3PXPtail", "JBSWY3DPEHPK3PXP"));
        assertTrue(Leaks.holds("backup 1234-5678-9012 used", "1234-5678-9012"));
    }

    @Test
    void metricsLoseTheirValuesAndKeepNamesLabelsAndHelp() {
        String metrics = """
                # HELP totpd_code_checks_total Code checks by outcome
                totpd_code_checks_total{operation="verify",outcome="accepted"} 123456.0
                http_server_requests_seconds_bucket{le="0.123456",uri="/verify"} 7
                """;
        assertEquals("""
                # HELP totpd_code_checks_total Code checks by outcome
                totpd_code_checks_total{operation="verify",outcome="accepted"}
                http_server_requests_seconds_bucket{le="0.123456",uri="/verify"}
                """, Leaks.withoutValues(metrics));
        assertFalse(Leaks.holds(Leaks.withoutValues(metrics), "123456"));
        assertTrue(Leaks.holds(Leaks.withoutValues("x{code=\"123456\"} 1\n"), "123456"));
    }
}
