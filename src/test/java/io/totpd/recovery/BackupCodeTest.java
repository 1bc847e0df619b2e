package io.totpd.recovery;

import static io.totpd.support.Contract.api;
import static io.totpd.support.Users.activated;
import static io.totpd.support.Users.newUserId;
import static io.totpd.support.Users.recover;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.matchesPattern;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import io.totpd.support.TestClock;
import io.totpd.support.Users.Activated;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

@QuarkusTest
class BackupCodeTest {

    @Inject
    TestClock clock;

    @Test
    void activationHandsOverTenCodesInDisplayForm() {
        Activated user = activated(newUserId(), clock);
        assertEquals(10, user.backupCodes().size());
        assertEquals(10, user.backupCodes().stream().distinct().count());
        user.backupCodes().forEach(code -> assertEquals(true, code.matches("[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){2}"), code));
    }

    @Test
    void eachCodeWorksOnceInAnyOrder() {
        String userId = newUserId();
        List<String> codes = new ArrayList<>(activated(userId, clock).backupCodes());
        Collections.shuffle(codes);

        for (int i = 0; i < codes.size(); i++) {
            recover(userId, codes.get(i)).then().statusCode(200)
                    .body("userId", equalTo(userId)).body("verified", equalTo(true)).body("method", equalTo("backup_code"))
                    .body("backupCodesRemaining", equalTo(codes.size() - i - 1));
        }
        for (String code : codes) {
            recover(userId, code).then().statusCode(422).body("type", equalTo("urn:totpd:problem:code-already-used"));
        }
        api().get("/users/" + userId).then().body("backupCodesRemaining", equalTo(0));
    }

    @Test
    void typedVariantsOfACodeAreAccepted() {
        String userId = newUserId();
        List<String> codes = activated(userId, clock).backupCodes();
        recover(userId, codes.get(0).toLowerCase(Locale.ROOT)).then().statusCode(200);
        recover(userId, codes.get(1).replace("-", "")).then().statusCode(200);
        recover(userId, " " + codes.get(2).replace("-", " ") + " ").then().statusCode(200);
        // Crockford reads O as 0 and I or L as 1: a code typed with the look-alike letters still works.
        String withDigits = codes.subList(3, 10).stream().filter(c -> c.matches(".*[01].*")).findFirst().orElse(codes.get(3));
        recover(userId, withDigits.replace('0', 'O').replace('1', 'l')).then().statusCode(200);
        api().get("/users/" + userId).then().body("backupCodesRemaining", equalTo(6));
    }

    @Test
    void aWrongCodeIsInvalidAndAMalformedOneIsRefused() {
        String userId = newUserId();
        activated(userId, clock);
        recover(userId, "0000-0000-0000").then().statusCode(422).body("type", equalTo("urn:totpd:problem:invalid-code"));
        recover(userId, "ABCD-EFGH-JKMU").then().statusCode(400).body("type", equalTo("urn:totpd:problem:invalid-request"));
        recover(userId, "ABCD-EFGH").then().statusCode(400);
        recover(newUserId(), "0000-0000-0000").then().statusCode(404).body("type", equalTo("urn:totpd:problem:factor-not-found"));
    }

    @Test
    void regeneratingReplacesTheWholeSetAtOnce() {
        String userId = newUserId();
        List<String> old = activated(userId, clock).backupCodes();
        recover(userId, old.get(0)).then().statusCode(200);

        List<String> fresh = api().post("/users/" + userId + "/backup-codes").then().statusCode(200)
                .body("backupCodes.size()", equalTo(10))
                .body("backupCodes", everyItem(matchesPattern("[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}")))
                .extract().jsonPath().getList("backupCodes", String.class);

        // Four, not nine: the fifth wrong code in a row would lock recovery (see LockoutTest).
        for (String code : old.subList(1, 5)) {
            recover(userId, code).then().statusCode(422).body("type", equalTo("urn:totpd:problem:invalid-code"));
        }
        api().get("/users/" + userId).then().body("backupCodesRemaining", equalTo(10));
        recover(userId, fresh.get(9)).then().statusCode(200).body("backupCodesRemaining", equalTo(9));
        api().post("/users/" + newUserId() + "/backup-codes").then().statusCode(404);
    }
}
