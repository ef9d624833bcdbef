package dev.ficus.cli;

import java.lang.reflect.Proxy;
import java.util.function.Consumer;

/**
 * Turns SIGTERM and SIGINT into a graceful stop for server commands: the handler starts a drain,
 * and the command exits 0 once it is done, instead of the JVM's "killed by signal" exit. Uses the
 * JDK's {@code sun.misc.Signal} by reflection (it is not part of the compiled API); where it is
 * missing, the JVM's default handling (shutdown hooks) remains.
 */
final class Signals {
    private Signals() {
    }

    /** Runs {@code handler} (with the signal's name, e.g. {@code TERM}) on each SIGTERM or SIGINT. */
    static void onTermination(Consumer<String> handler) {
        try {
            Class<?> signalClass = Class.forName("sun.misc.Signal");
            Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            for (String name : new String[]{"TERM", "INT"}) {
                Object signal = signalClass.getConstructor(String.class).newInstance(name);
                Object proxy = Proxy.newProxyInstance(Signals.class.getClassLoader(), new Class<?>[]{handlerClass}, (p, m, args) -> {
                    if (m.getName().equals("handle")) handler.accept(name);
                    return null;
                });
                signalClass.getMethod("handle", signalClass, handlerClass).invoke(null, signal, proxy);
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            // keep the JVM's default signal handling
        }
    }
}
