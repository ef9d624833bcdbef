package dev.ficus.api.networking;

import dev.ficus.api.bind.OneOf;

import java.util.Base64;

/** Body of a direct response: text, or base64-encoded {@code bytes}. */
@OneOf({"string", "bytes"})
public record HTTPBody(String string, String bytes) {

    /** The body's bytes; {@code bytes} must have passed validation (base64). */
    public byte[] toBytes() {
        if (string != null) return string.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (bytes != null) return Base64.getDecoder().decode(bytes);
        return new byte[0];
    }
}
