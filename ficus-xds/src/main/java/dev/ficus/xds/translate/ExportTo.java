package dev.ficus.xds.translate;

import java.util.List;

/**
 * Istio's {@code exportTo} on VirtualService, DestinationRule and ServiceEntry: which namespaces'
 * proxies see a resource. Empty or {@code *}: every namespace; {@code .}: the resource's own;
 * {@code ~}: none (ServiceEntry only, which validation enforces); else the namespaces named. Read
 * by the translator when it builds one proxy's view.
 */
final class ExportTo {
    private ExportTo() {
    }

    /** Whether a resource of namespace {@code own} with {@code exportTo} is seen by a proxy of {@code proxyNamespace}. */
    static boolean visible(List<String> exportTo, String own, String proxyNamespace) {
        if (exportTo.isEmpty()) return true;
        for (String e : exportTo) {
            if (e.equals("*") || e.equals(proxyNamespace) || (e.equals(".") && own.equals(proxyNamespace))) return true;
        }
        return false;
    }

    /** Whether {@code exportTo} keeps a resource of namespace {@code own} to that namespace alone ({@code .} or its name). */
    static boolean ownOnly(List<String> exportTo, String own) {
        if (exportTo.isEmpty()) return false;
        for (String e : exportTo) {
            if (!e.equals(".") && !e.equals(own)) return false;
        }
        return true;
    }

    /** Whether {@code exportTo} shows the resource to every namespace (empty, or {@code *}). */
    static boolean everywhere(List<String> exportTo) {
        return exportTo.isEmpty() || exportTo.contains("*");
    }
}
