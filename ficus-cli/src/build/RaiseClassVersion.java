import java.io.IOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeTransform;
import java.lang.classfile.Attributes;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Build step of the distribution (run by ficus-cli's pom at package time, with the JDK's source
 * launcher): rewrites the class files of one jar in {@code dist/lib} that are older than Java 8
 * (class-file version below 52) as version-52 class files with stack maps, in place.
 *
 * <p>Why: picocli ships Java 5 class files. The JVM's class-data sharing keeps neither classes
 * older than Java 6 nor classes that the old type-inferring verifier checked (which is what a
 * version-50 class without stack maps gets), so every {@code ficus} command loaded, verified
 * and interpreted picocli's classes from the jar on each start. Rewriting each method through
 * the JDK's class-file API computes the stack maps that the split verifier needs; the
 * instructions are the same. Only the copy in the distribution is changed, never the one in
 * the local Maven repository. The build fails if a method that needs stack maps ends up
 * without them.
 *
 * <p>Usage: {@code java RaiseClassVersion.java JAR}; prints how many classes it rewrote.
 */
public final class RaiseClassVersion {
    private static final int JAVA_8 = 52;

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: java RaiseClassVersion.java JAR");
            System.exit(2);
        }
        Path jar = Path.of(args[0]);
        Path tmp = jar.resolveSibling(jar.getFileName() + ".tmp");
        int raised = 0;
        try (URLClassLoader classes = new URLClassLoader(new URL[] {jar.toUri().toURL()}, ClassLoader.getPlatformClassLoader());
             ZipInputStream in = new ZipInputStream(Files.newInputStream(jar));
             ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(tmp))) {
            // stack maps merge types at branch targets, so the generator needs picocli's own hierarchy
            ClassFile cf = ClassFile.of(ClassFile.ClassHierarchyResolverOption.of(
                    ClassHierarchyResolver.ofResourceParsing(classes).orElse(ClassHierarchyResolver.defaultResolver())),
                    ClassFile.StackMapsOption.GENERATE_STACK_MAPS);
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                byte[] b = in.readAllBytes();
                if (e.getName().endsWith(".class") && isOldClass(b)) {
                    b = rewrite(cf, b, e.getName());
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
        System.out.println("RaiseClassVersion: " + raised + " class files of " + jar.getFileName() + " rewritten as version " + JAVA_8 + " with stack maps");
    }

    private static byte[] rewrite(ClassFile cf, byte[] b, String name) {
        ClassModel model = cf.parse(b);
        byte[] raised = cf.transformClass(model, ClassTransform.transformingMethodBodies(CodeTransform.ACCEPT_ALL)
                .andThen(ClassTransform.endHandler(cb -> cb.withVersion(JAVA_8, 0))));
        // a method with branches or handlers needs a stack map table, or the JVM would reject it
        ClassModel check = ClassFile.of().parse(raised);
        if (check.majorVersion() != JAVA_8) throw new IllegalStateException(name + ": version " + check.majorVersion());
        check.methods().forEach(m -> m.code().ifPresent(code -> {
            boolean branches = code.exceptionHandlers().size() > 0 || code.elementStream().anyMatch(el ->
                    el instanceof java.lang.classfile.instruction.BranchInstruction
                            || el instanceof java.lang.classfile.instruction.TableSwitchInstruction
                            || el instanceof java.lang.classfile.instruction.LookupSwitchInstruction);
            if (branches && code.findAttribute(Attributes.stackMapTable()).isEmpty()) {
                throw new IllegalStateException(name + "." + m.methodName().stringValue() + ": no stack map table after rewriting");
            }
        }));
        return raised;
    }

    /** A class file (magic CAFEBABE) whose major version is below 52. */
    private static boolean isOldClass(byte[] b) {
        if (b.length < 8 || (b[0] & 0xff) != 0xCA || (b[1] & 0xff) != 0xFE || (b[2] & 0xff) != 0xBA || (b[3] & 0xff) != 0xBE) return false;
        int major = ((b[6] & 0xff) << 8) | (b[7] & 0xff);
        return major < JAVA_8;
    }
}
