package io.totpd.portal.pages;

import io.quarkus.qute.TemplateInstance;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.regex.Pattern;

/** What every page does the same way: render with a status, redirect after a POST, check an address. */
final class Forms {

    // Printable ASCII, one @, no ':' and at most 128 characters: totpd shows the address as the
    // account name in the authenticator app, which takes no ':' and 128 characters at most.
    private static final Pattern EMAIL = Pattern.compile("[!-9;-?A-~&&[^@]]{1,64}@[A-Za-z0-9.-]{1,63}");

    private Forms() {
    }

    static Response page(int status, TemplateInstance page) {
        return Response.status(status).entity(page).build();
    }

    /** 303: the browser follows with a GET, so a reload never sends the form again. */
    static Response redirect(String path) {
        return Response.seeOther(URI.create(path)).build();
    }

    static boolean isEmail(String email) {
        return email != null && email.length() <= 128 && EMAIL.matcher(email).matches();
    }

    /** A name for a phone as totpd takes it: 1-64 printable characters, no space at either end. */
    static boolean isPhoneName(String name) {
        return name != null && !name.isEmpty() && name.length() <= 64 && name.equals(name.strip())
                && name.codePoints().noneMatch(Character::isISOControl);
    }

    static String orEmpty(String text) {
        return text == null ? "" : text.strip();
    }
}
