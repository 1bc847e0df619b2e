package io.totpd.recovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.totpd.support.UnicodeTraps;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.FieldSource;
import org.junit.jupiter.params.provider.ValueSource;

class BackupCodesTest {

    @Test
    void aSetIsTenCodesWithDistinctTags() {
        List<String> codes = BackupCodes.generate();
        assertEquals(10, codes.size());
        Set<Character> tags = new HashSet<>();
        for (String code : codes) {
            assertTrue(code.matches("[0-9A-HJKMNP-TV-Z]{12}"), code);
            tags.add(BackupCodes.tag(code));
        }
        assertEquals(10, tags.size());
    }

    @Test
    void theSecretPartLooksUniformlyRandom() {
        // 11 characters of 5 bits each: 55 bits. Over many codes every symbol shows up in every position.
        int[][] seen = new int[12][32];
        String alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
        for (int i = 0; i < 2_000; i++) {
            for (String code : BackupCodes.generate()) {
                for (int p = 1; p < 12; p++) {
                    seen[p][alphabet.indexOf(code.charAt(p))]++;
                }
            }
        }
        for (int p = 1; p < 12; p++) {
            for (int symbol = 0; symbol < 32; symbol++) {
                assertTrue(seen[p][symbol] > 400, "position " + p + " symbol " + alphabet.charAt(symbol));
            }
        }
    }

    @Test
    void isShownInGroupsOfFour() {
        assertEquals("ABCD-EFGH-JKMN", BackupCodes.display("ABCDEFGHJKMN"));
    }

    @ParameterizedTest
    @CsvSource({
        "ABCD-EFGH-JKMN, ABCDEFGHJKMN",
        "abcd efgh jkmn, ABCDEFGHJKMN",
        "abcdefghjkmn, ABCDEFGHJKMN",
        " AB-CD EF-GH JK-MN , ABCDEFGHJKMN",
        "O0O0-IiLl-1234, 000011111234"})
    void normalisesWhatPeopleType(String typed, String code) {
        assertEquals(Optional.of(code), BackupCodes.normalise(typed));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "ABCD-EFGH-JKM", "ABCD-EFGH-JKMNP", "ABCD-EFGH-JKMU", "ABCD_EFGH_JKMN", "ÄBCD-EFGH-JKMN"})
    void refusesAnythingElse(String typed) {
        assertFalse(BackupCodes.normalise(typed).isPresent());
        assertFalse(BackupCodes.normalise(null).isPresent());
    }

    /** Codes whose letters are what the traps read as, so a lenient reading would give a valid code. */
    static final List<String> TRAP_HOSTS = List.of("ISKA-FFLB-STFI", "1CAB-K3XD-9PR2", "7KQM 3XD9-PR2A");

    @ParameterizedTest(name = "{0}")
    @FieldSource("io.totpd.support.UnicodeTraps#ALL")
    void onlyAsciiIsRead(UnicodeTraps.Trap trap) {
        String host = TRAP_HOSTS.stream().filter(code -> code.contains(trap.readAs())).findFirst().orElse(TRAP_HOSTS.get(0));
        assertTrue(BackupCodes.normalise(host).isPresent(), host);
        String planted = UnicodeTraps.planted(host, trap);
        assertEquals(Optional.empty(), BackupCodes.normalise(planted), planted);
    }
}
