package dev.ficus.control.ca;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Objects;

/**
 * The secret that lets a proxy get its first certificate on the TLS sync port: the control plane
 * makes a random one on first start (256 bits, stored 0600 in its CA directory as
 * {@value #FILE_NAME}) or reads the one the operator supplies; a proxy sends it once, with its first
 * CSR, and from then on authenticates with the certificate it got. Rotating it is writing a new
 * file: the file is read again whenever it changed, so proxies already enrolled are not affected
 * and no restart is needed.
 *
 * <p>Checked on the gRPC executor (first certificate requests only); comparisons take constant time.
 */
public final class BootstrapToken {
    public static final String FILE_NAME = "bootstrap-token";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path file;
    private FileTime readAt; // guarded by this
    private byte[] token; // guarded by this

    private BootstrapToken(Path file, byte[] token, FileTime readAt) {
        this.file = file;
        this.token = token;
        this.readAt = readAt;
    }

    /** The token in {@code file}, made there (0600) when the file does not exist yet. */
    public static BootstrapToken openOrCreate(Path file) throws IOException {
        if (!Files.exists(file)) {
            byte[] raw = new byte[32];
            RANDOM.nextBytes(raw);
            String text = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
            Files.createDirectories(file.toAbsolutePath().getParent());
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(file, text + "\n");
            } catch (FileAlreadyExistsException e) {
                // another process made it first: use theirs
            } catch (UnsupportedOperationException e) { // not a POSIX file system
                Files.writeString(file, text + "\n");
            }
        }
        return open(file);
    }

    /** The token the operator supplies in {@code file}; it must exist and hold one non-empty line. */
    public static BootstrapToken open(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        if (!Files.isRegularFile(file)) throw new IOException("bootstrap token file " + file + " does not exist");
        FileTime t = Files.getLastModifiedTime(file);
        return new BootstrapToken(file, read(file), t);
    }

    /** Where the token is kept. */
    public Path file() { return file; }

    /** Whether {@code presented} is the token (as the file holds it now). */
    public boolean matches(String presented) {
        if (presented == null) return false;
        byte[] now = current();
        return MessageDigest.isEqual(now, presented.trim().getBytes(StandardCharsets.UTF_8));
    }

    private synchronized byte[] current() {
        try {
            FileTime t = Files.getLastModifiedTime(file);
            if (!t.equals(readAt)) {
                token = read(file);
                readAt = t;
            }
        } catch (IOException e) {
            // the file went away or is unreadable mid-rotation: the last token read stays in force
        }
        return token;
    }

    private static byte[] read(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8).trim();
        if (text.isEmpty() || text.contains("\n")) throw new IOException("bootstrap token file " + file + " must hold one non-empty line");
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
