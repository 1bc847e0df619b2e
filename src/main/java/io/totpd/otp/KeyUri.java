package io.totpd.otp;

import java.nio.charset.StandardCharsets;

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
