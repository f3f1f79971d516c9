package dev.berth.oci.bundle;

import dev.berth.oci.BerthException;
import dev.berth.oci.spec.runtime.Linux;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The sysctls a container may set, checked when its spec is built, so that a request runc would refuse at
 * `runc create` is refused before anything is made for it. The namespace rules are runc 1.1's
 * (libcontainer/configs/validate: sysctl): IPC sysctls need the container's own IPC namespace, net.* its own
 * network namespace, kernel.domainname its own UTS namespace; kernel.hostname conflicts with the hostname field
 * and anything else is not namespaced. Beyond runc, the sysctl must exist in this kernel.
 */
final class Sysctls {
    private static final Set<String> IPC = Set.of("kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
            "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced");
    /** Dot- or slash-separated words, as runc turns the name into a file below /proc/sys. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]+([./][A-Za-z0-9_-]+)*");
    /** Per-interface sysctls: the interfaces live in the container's network namespace, not berthd's. */
    private static final Pattern PER_INTERFACE = Pattern.compile("net\\.ipv[46]\\.(conf|neigh)\\.[^.]+\\.(.+)");
    private static final Path PROC_SYS = Path.of("/proc/sys");

    private Sysctls() {
    }

    static void check(Map<String, String> sysctls, List<Linux.Namespace> namespaces) {
        for (Map.Entry<String, String> e : sysctls.entrySet()) {
            String name = e.getKey();
            String problem = problem(name.replace('/', '.'), e.getValue(), namespaces);
            if (problem != null) {
                throw BerthException.invalid("build spec: sysctl " + name + ": " + problem);
            }
        }
    }

    private static String problem(String name, String value, List<Linux.Namespace> namespaces) {
        if (!NAME.matcher(name).matches()) {
            return "not a sysctl name (words of letters, digits, '_' and '-' separated by '.' or '/')";
        }
        if (value == null || value.indexOf('\n') >= 0 || value.indexOf('\0') >= 0) {
            return "its value must be one line";
        }
        if (IPC.contains(name) || name.startsWith("fs.mqueue.")) {
            if (!owns(namespaces, "ipc")) {
                return "not allowed in the host's IPC namespace";
            }
        } else if (name.startsWith("net.")) {
            if (!owns(namespaces, "network")) {
                return "not allowed in the host's network namespace";
            }
        } else if (name.equals("kernel.hostname")) {
            return "conflicts with the hostname field; set the hostname instead";
        } else if (!name.equals("kernel.domainname") || !owns(namespaces, "uts")) {
            return "not in a namespace of the container's own: it would change the host";
        }
        if (!Files.exists(PROC_SYS.resolve(kernelFile(name)))) {
            return "this kernel has no such sysctl";
        }
        return null;
    }

    /** The /proc/sys file that shows whether the kernel has the sysctl; an interface's through its default. */
    private static String kernelFile(String name) {
        var perInterface = PER_INTERFACE.matcher(name);
        String known = perInterface.matches() ? name.substring(0, name.indexOf('.', "net.ipv4.".length()) + 1)
                + "default." + perInterface.group(2) : name;
        return known.replace('.', '/');
    }

    /** Whether the container has a namespace of {@code type} other than the host's (its own or a joined one). */
    private static boolean owns(List<Linux.Namespace> namespaces, String type) {
        return namespaces != null && namespaces.stream().anyMatch(n -> type.equals(n.type()));
    }
}
