package io.totpd.crypto;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** An unambiguous encoding of several strings, for associated data and signed messages. */
public final class Fields {

    private Fields() {
    }

    /** Each field length-prefixed, so that no two different lists of fields encode alike. */
    public static byte[] encode(String... fields) {
        byte[][] parts = new byte[fields.length][];
        int size = 0;
        for (int i = 0; i < fields.length; i++) {
            parts[i] = fields[i].getBytes(StandardCharsets.UTF_8);
            size += Integer.BYTES + parts[i].length;
        }
        ByteBuffer buffer = ByteBuffer.allocate(size);
        for (byte[] part : parts) {
            buffer.putInt(part.length).put(part);
        }
        return buffer.array();
    }
}
