package io.totpd.otp;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code otpauth://} URI of the Google Authenticator Key Uri Format, which every authenticator
 * app reads from the enrollment QR code.
 *
 * <p>The label is {@code ISSUER:ACCOUNT}, both parts percent-encoded (a space is {@code %20}, never
 * {@code +}); the issuer is repeated as a parameter because some apps read only one of the two.
 * Algorithm, digits and period are written only when they differ from SHA1/6/30: apps that ignore
 * them would otherwise show wrong codes without warning, so the defaults keep the URI minimal.
 */
public final class KeyUri {

    private KeyUri() {
    }

    public static String totp(String issuer, String account, String base32Secret, Totp totp) {
        requireLabelPart("issuer", issuer);
        requireLabelPart("account name", account);
        StringBuilder uri = new StringBuilder("otpauth://totp/")
                .append(encode(issuer)).append(':').append(encode(account))
                .append("?secret=").append(base32Secret)
                .append("&issuer=").append(encode(issuer));
        if (totp.algorithm() != HmacAlgorithm.SHA1) {
            uri.append("&algorithm=").append(totp.algorithm().name());
        }
        if (totp.digits() != 6) {
            uri.append("&digits=").append(totp.digits());
        }
        if (totp.periodSeconds() != 30) {
            uri.append("&period=").append(totp.periodSeconds());
        }
        return uri.toString();
    }

    /**
     * What an {@code otpauth://totp/} URI made by another system says, as it says it: the importer
     * checks the values. Parameters other than these (an image, a counter) are ignored.
     *
     * @param issuer from the {@code issuer} parameter, else the label's prefix; null if neither
     * @param account the label after the issuer prefix (the whole label without one); null if empty
     * @param secret the {@code secret} parameter, Base32 as given
     * @param algorithm the {@code algorithm} parameter; null when absent (SHA1)
     * @param digits null when absent (6)
     * @param periodSeconds the {@code period} parameter, in seconds; null when absent (30)
     */
    public record Parsed(String issuer, String account, String secret, String algorithm, Integer digits,
            Integer periodSeconds) {
    }

    /**
     * Reads an otpauth URI of the Key Uri Format. Labels are percent-decoded ({@code +} read as a space
     * too, as some generators write it).
     *
     * @throws IllegalArgumentException not an otpauth URI, a HOTP one, no secret, a parameter given twice,
     *     or digits or period that are not whole numbers; the message never holds the URI
     */
    public static Parsed parse(String uri) {
        String prefix = "otpauth://";
        if (uri == null || !uri.regionMatches(true, 0, prefix, 0, prefix.length())) {
            throw new IllegalArgumentException("not an otpauth:// URI");
        }
        String rest = uri.substring(prefix.length());
        int slash = rest.indexOf('/');
        String type = (slash < 0 ? rest : rest.substring(0, slash)).toLowerCase(Locale.ROOT);
        if (!type.equals("totp")) {
            throw new IllegalArgumentException(type.equals("hotp")
                    ? "a HOTP (counter-based) key; only TOTP can be imported" : "not an otpauth://totp/ URI");
        }
        rest = rest.substring(slash + 1);
        int question = rest.indexOf('?');
        String label = decode(question < 0 ? rest : rest.substring(0, question));
        Map<String, String> parameters = new HashMap<>();
        if (question >= 0) {
            for (String pair : rest.substring(question + 1).split("&")) {
                int equals = pair.indexOf('=');
                String name = decode(equals < 0 ? pair : pair.substring(0, equals)).toLowerCase(Locale.ROOT);
                if (parameters.put(name, equals < 0 ? "" : decode(pair.substring(equals + 1))) != null) {
                    throw new IllegalArgumentException("the parameter '" + safeName(name) + "' appears more than once");
                }
            }
        }
        String secret = parameters.get("secret");
        if (secret == null || secret.isEmpty()) {
            throw new IllegalArgumentException("the URI has no secret parameter");
        }
        int colon = label.indexOf(':');
        String labelIssuer = colon < 0 ? null : label.substring(0, colon).strip();
        String account = (colon < 0 ? label : label.substring(colon + 1)).strip();
        String issuer = parameters.getOrDefault("issuer", labelIssuer);
        return new Parsed(issuer == null || issuer.isEmpty() ? null : issuer, account.isEmpty() ? null : account, secret,
                parameters.get("algorithm"), number(parameters, "digits"), number(parameters, "period"));
    }

    private static Integer number(Map<String, String> parameters, String name) {
        String value = parameters.get(name);
        if (value == null) {
            return null;
        }
        if (!value.matches("[0-9]{1,9}")) {
            throw new IllegalArgumentException("the " + name + " parameter is not a whole number");
        }
        return Integer.valueOf(value);
    }

    private static String decode(String text) {
        try {
            return URLDecoder.decode(text, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the URI holds a malformed percent-encoding");
        }
    }

    /** A parameter name is echoed only when it looks like one. */
    private static String safeName(String name) {
        return name.matches("[a-z]{1,16}") ? name : "?";
    }

    /** Issuer and account name are the two halves of the label, so neither may hold its separator. */
    public static void requireLabelPart(String name, String value) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("the " + name + " must not be empty");
        }
        if (value.indexOf(':') >= 0) {
            throw new IllegalArgumentException("the " + name + " must not contain ':'");
        }
    }

    /** RFC 3986 percent-encoding of everything but the unreserved characters. */
    static String encode(String value) {
        StringBuilder out = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~') {
                out.append(c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)))
                        .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
            }
        }
        return out.toString();
    }
}
