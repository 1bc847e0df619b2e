package io.totpd.crypto;

import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/** The configured AES-256 keys by id; the first one is primary and encrypts, all of them decrypt. */
public final class KeyRing {

    private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9_-]{1,32}");

    private final String primaryId;
    private final Map<String, SecretKey> keys;

    private KeyRing(String primaryId, Map<String, SecretKey> keys) {
        this.primaryId = primaryId;
        this.keys = keys;
    }

    /** Parses {@code id:base64} entries; any malformed entry stops the service from starting. */
    public static KeyRing parse(List<String> entries) {
        Map<String, SecretKey> keys = new LinkedHashMap<>();
        for (String entry : entries) {
            int colon = entry.indexOf(':');
            String id = colon < 0 ? "" : entry.substring(0, colon).trim();
            if (!KEY_ID.matcher(id).matches()) {
                throw new IllegalArgumentException(
                        "totpd.encryption.keys: each entry is id:base64-key, the id 1-32 of [A-Za-z0-9_-]");
            }
            byte[] material;
            try {
                material = Base64.getDecoder().decode(entry.substring(colon + 1).trim());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("totpd.encryption.keys: key '" + id + "' is not valid Base64");
            }
            if (material.length != 32) {
                throw new IllegalArgumentException("totpd.encryption.keys: key '" + id + "' must be 32 bytes (AES-256), not "
                        + material.length);
            }
            if (keys.put(id, new SecretKeySpec(material, "AES")) != null) {
                throw new IllegalArgumentException("totpd.encryption.keys: key id '" + id + "' appears twice");
            }
        }
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("totpd.encryption.keys: at least one key is required");
        }
        return new KeyRing(keys.keySet().iterator().next(), Map.copyOf(keys));
    }

    public String primaryId() {
        return primaryId;
    }

    SecretKey primary() {
        return keys.get(primaryId);
    }

    SecretKey get(String id) {
        SecretKey key = keys.get(id);
        if (key == null) {
            throw new SecretUnavailableException("no configured key has the id of this ciphertext");
        }
        return key;
    }

    java.util.Collection<SecretKey> all() {
        return keys.values();
    }

    public boolean contains(String id) {
        return keys.containsKey(id);
    }
}
