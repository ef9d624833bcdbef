import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Build step of the distribution (run by ficus-cli's pom at package time, with the JDK's source
 * launcher): rewrites the class files of one jar in {@code dist/lib} that are older than Java 6
 * (class-file version below 50) to version 50, in place.
 *
 * <p>Why: picocli ships Java 5 class files, and the JVM's class-data sharing does not archive
 * classes older than Java 6, so every {@code ficus} command loaded, verified and interpreted about
 * two hundred picocli classes from the jar on each start (a third of a short command's CPU).
 * Version 50 changes nothing in what the classes do: the bytecode is the same, and a version-50
 * class without stack maps is verified by the same type-inferring verifier as before (HotSpot's
 * fail-over for version 50). Only the copy in the distribution is changed, never the one in the
 * local Maven repository.
 *
 * <p>Usage: {@code java RaiseClassVersion.java JAR}; prints how many classes it raised.
 */
public final class RaiseClassVersion {
    private static final int JAVA_6 = 50;

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: java RaiseClassVersion.java JAR");
            System.exit(2);
        }
        Path jar = Path.of(args[0]);
        Path tmp = jar.resolveSibling(jar.getFileName() + ".tmp");
        int raised = 0;
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(jar));
             ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(tmp))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                byte[] b = readAll(in);
                if (e.getName().endsWith(".class") && isOldClass(b)) {
                    b[6] = 0;
                    b[7] = (byte) JAVA_6;
                    raised++;
                }
                ZipEntry copy = new ZipEntry(e.getName());
                copy.setTime(e.getTime());
                out.putNextEntry(copy);
                out.write(b);
                out.closeEntry();
            }
        }
        Files.move(tmp, jar, StandardCopyOption.REPLACE_EXISTING);
        System.out.println("RaiseClassVersion: " + raised + " class files of " + jar.getFileName() + " raised to version " + JAVA_6);
    }

    /** A class file (magic CAFEBABE) whose major version is below 50. */
    private static boolean isOldClass(byte[] b) {
        if (b.length < 8 || (b[0] & 0xff) != 0xCA || (b[1] & 0xff) != 0xFE || (b[2] & 0xff) != 0xBA || (b[3] & 0xff) != 0xBE) return false;
        int major = ((b[6] & 0xff) << 8) | (b[7] & 0xff);
        return major < JAVA_6;
    }

    private static byte[] readAll(InputStream in) throws IOException {
        return in.readAllBytes();
    }
}
