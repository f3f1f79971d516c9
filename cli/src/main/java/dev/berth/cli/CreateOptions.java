package dev.berth.cli;

import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The options of {@code create} and {@code run}, and their mapping to api.md's ContainerCreate. */
public final class CreateOptions {
    @Option(names = "--name", paramLabel = "NAME", description = "Name of the container")
    String name;

    @Option(names = {"-e", "--env"}, paramLabel = "K=V", description = "Set an environment variable (K alone: take it from here)")
    List<String> env;

    @Option(names = {"-v", "--volume"}, paramLabel = "SRC:CTR[:ro]", converter = VolumeConverter.class,
            description = "Mount a host path (with a '/' or a leading '.'), a named volume (made on first use, with the"
                    + " image's files there) or, as -v /CTR, a new anonymous volume, at an absolute container path")
    List<Volume> volumes;

    @Option(names = {"-w", "--workdir"}, paramLabel = "DIR", description = "Working directory inside the container")
    String workdir;

    @Option(names = {"-u", "--user"}, paramLabel = "USER", description = "User (name|uid[:gid])")
    String user;

    @Option(names = {"-m", "--memory"}, paramLabel = "SIZE", converter = MemoryConverter.class,
            description = "Memory limit: a number with b, k, m or g (e.g. 256m)")
    Long memory;

    @Option(names = "--cpus", paramLabel = "N", description = "Number of CPUs (e.g. 1.5)")
    Double cpus;

    @Option(names = "--pids-limit", paramLabel = "N", description = "Maximum number of processes (-1: unlimited)")
    Long pidsLimit;

    @Option(names = "--blkio-weight", paramLabel = "N", description = "Block I/O weight, 10 to 1000")
    Long blkioWeight;

    @Option(names = {"-t", "--tty"}, description = "Allocate a pseudo-terminal")
    boolean tty;

    @Option(names = {"-i", "--interactive"}, description = "Keep stdin open (and attach it)")
    boolean interactive;

    @Option(names = "--network", paramLabel = "bridge|none|host|NAME",
            description = "Network: bridge (the default network, berth; the default), none (loopback only), host, or a"
                    + " network made with `berth network create`")
    String network;

    @Option(names = {"-p", "--publish"}, paramLabel = "[IP:]HOST:CTR[/udp]",
            description = "Publish a container port on a host port (bridge networks only)")
    List<String> publish;

    @Option(names = {"-P", "--publish-all"}, description = "Publish every port the image EXPOSEs on a free host port")
    boolean publishAll;

    @Option(names = "--entrypoint", paramLabel = "CMD", description = "Replace the image's entrypoint")
    String entrypoint;

    @Option(names = {"-l", "--label"}, paramLabel = "K=V", description = "Set a label")
    List<String> labels;

    @Option(names = "--privileged",
            description = "Every capability and host device; no seccomp filter, masked or read-only paths")
    boolean privileged;

    @Option(names = "--cap-add", paramLabel = "CAP", description = "Add a capability (e.g. NET_ADMIN, or ALL)")
    List<String> capAdd;

    @Option(names = "--cap-drop", paramLabel = "CAP", description = "Drop a capability (e.g. NET_RAW, or ALL)")
    List<String> capDrop;

    @Option(names = "--security-opt", paramLabel = "OPT",
            description = "seccomp=unconfined (no seccomp filter), seccomp=PROFILE.json (that profile instead of"
                    + " the default RuntimeDefault one), no-new-privileges[:false] (on by default), label=... (ignored:"
                    + " no SELinux)")
    List<String> securityOpts;

    @Option(names = "--mount", paramLabel = "type=bind|volume,source=SRC,target=DST[,readonly]",
            description = "A bind mount or a volume, in docker's --mount form (src/source, dst/destination/target, ro/readonly)")
    List<String> mounts;

    @Option(names = "--init", description = "Run the command under an init that reaps orphans and passes signals on (tini)")
    boolean init;

    @Option(names = "--restart", paramLabel = "POLICY",
            description = "Restart it when its run ends: no (default), always, unless-stopped, on-failure[:N]")
    String restart;

    @Option(names = "--env-file", paramLabel = "FILE",
            description = "Read environment variables from FILE: K=V lines (K alone: take it from here), # comments")
    List<String> envFiles;

    @Option(names = "--hostname", paramLabel = "NAME", description = "The container's host name (default: its short id)")
    String hostname;

    @Option(names = "--read-only", description = "Mount the container's root filesystem read-only")
    boolean readOnly;

    @Option(names = "--device", paramLabel = "HOST[:CTR][:rwm]",
            description = "Give the container a host device (default path: the host's; default permissions: rwm)")
    List<String> devices;

    @Option(names = "--sysctl", paramLabel = "K=V", description = "Set a namespaced kernel parameter (e.g. net.ipv4.ip_forward=1)")
    List<String> sysctls;

    @Option(names = "--pull", paramLabel = "always|missing|never",
            description = "Pull the image first: always, when it is missing (default), or never")
    String pull = "missing";

    @Parameters(index = "0", paramLabel = "IMAGE", description = "Image name, id or id prefix")
    String image;

    @Parameters(index = "1..*", paramLabel = "CMD", description = "Command and arguments")
    List<String> cmd;

    /** A {@code -v} value, parsed. */
    public static final class Volume {
        public final String source;
        public final String destination;
        public final boolean readOnly;

        Volume(String source, String destination, boolean readOnly) {
            this.source = source;
            this.destination = destination;
            this.readOnly = readOnly;
        }
    }

    /**
     * {@code SOURCE:CTR[:ro|rw]} or {@code /CTR} (an anonymous volume). A SOURCE with a '/' or starting with '.'
     * is a host path, made absolute against the current directory; any other is a volume's name, as docker
     * reads it.
     */
    public static Volume parseVolume(String spec) {
        String[] p = spec.split(":", -1);
        if (p.length == 1 && p[0].startsWith("/")) {
            return new Volume("", p[0], false);
        }
        if (p.length < 2 || p.length > 3) {
            throw new IllegalArgumentException("invalid volume '" + spec + "': expected SOURCE:CONTAINER[:ro|rw] or /CONTAINER");
        }
        if (p[0].isEmpty() || p[1].isEmpty()) {
            throw new IllegalArgumentException("invalid volume '" + spec + "': empty source or container path");
        }
        if (!p[1].startsWith("/")) {
            throw new IllegalArgumentException("invalid volume '" + spec + "': container path '" + p[1] + "' is not absolute");
        }
        boolean ro = false;
        if (p.length == 3) {
            // z and Z relabel for SELinux: accepted (scripts pass them), nothing to do on a host without it
            for (String mode : p[2].split(",")) {
                if ("ro".equals(mode)) {
                    ro = true;
                } else if (!"rw".equals(mode) && !"z".equals(mode) && !"Z".equals(mode)) {
                    throw new IllegalArgumentException("invalid volume '" + spec + "': mode '" + mode + "' is not ro, rw, z or Z");
                }
            }
        }
        boolean hostPath = p[0].contains("/") || p[0].startsWith(".");
        String source = hostPath ? Path.of(p[0]).toAbsolutePath().normalize().toString() : p[0];
        return new Volume(source, p[1], ro);
    }

    /** docker's {@code --mount type=bind|volume,source=...,target=...[,readonly]} as the -v it means. */
    static Volume parseMount(String spec) {
        String type = "volume";
        String source = null;
        String target = null;
        boolean ro = false;
        for (String part : spec.split(",")) {
            int eq = part.indexOf('=');
            String key = eq < 0 ? part : part.substring(0, eq);
            String value = eq < 0 ? null : part.substring(eq + 1);
            switch (key) {
                case "type" -> type = value;
                case "source", "src" -> source = value;
                case "target", "destination", "dst" -> target = value;
                case "readonly", "ro" -> ro = value == null || value.equals("true") || value.equals("1");
                default -> throw new CliException("invalid --mount '" + spec + "': unknown key '" + key + "'");
            }
        }
        if (target == null || !target.startsWith("/")) {
            throw new CliException("invalid --mount '" + spec + "': target must be an absolute container path");
        }
        switch (type == null ? "" : type) {
            case "bind":
                if (source == null || source.isEmpty()) {
                    throw new CliException("invalid --mount '" + spec + "': a bind needs a source");
                }
                return new Volume(Path.of(source).toAbsolutePath().normalize().toString(), target, ro);
            case "volume":
                if (source != null && (source.contains("/") || source.startsWith("."))) {
                    throw new CliException("invalid --mount '" + spec + "': a volume's source is its name");
                }
                return new Volume(source == null ? "" : source, target, ro);
            default:
                throw new CliException("invalid --mount '" + spec + "': type must be bind or volume (tmpfs is not"
                        + " supported yet)");
        }
    }

    public static final class VolumeConverter implements CommandLine.ITypeConverter<Volume> {
        @Override
        public Volume convert(String value) {
            try {
                return parseVolume(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    public static final class MemoryConverter implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return Units.parseMemory(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** The ContainerCreate body; invalid values fail here, before any call. */
    public Map<String, Object> toBody(Map<String, String> clientEnv) {
        if (!pull.equals("always") && !pull.equals("missing") && !pull.equals("never")) {
            throw new CliException("invalid --pull value '" + pull + "': always, missing or never");
        }
        Map<String, Object> b = new LinkedHashMap<>();
        if (name != null) {
            b.put("name", name);
        }
        b.put("image", image);
        if (entrypoint != null) {
            List<String> ep = new ArrayList<>();
            if (!entrypoint.isEmpty()) {
                ep.add(entrypoint);
            }
            b.put("entrypoint", ep);
        }
        if (cmd != null && !cmd.isEmpty()) {
            b.put("cmd", new ArrayList<>(cmd));
        }
        // --env-file first, then -e: a later value of a name replaces an earlier one, as with docker
        Map<String, String> byName = new LinkedHashMap<>();
        List<String> given = envList(envFileLines(), clientEnv);
        given.addAll(envList(env, clientEnv));
        for (String kv : given) {
            byName.put(kv.substring(0, kv.indexOf('=')), kv);
        }
        List<String> e = new ArrayList<>(byName.values());
        if (!e.isEmpty()) {
            b.put("env", e);
        }
        List<Volume> allVolumes = new ArrayList<>(volumes == null ? List.of() : volumes);
        for (String m : mounts == null ? List.<String>of() : mounts) {
            allVolumes.add(parseMount(m));
        }
        if (!allVolumes.isEmpty()) {
            List<Object> vs = new ArrayList<>();
            for (Volume v : allVolumes) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("source", v.source);
                m.put("destination", v.destination);
                m.put("readOnly", v.readOnly);
                vs.add(m);
            }
            b.put("volumes", vs);
        }
        if (workdir != null) {
            b.put("workingDir", absoluteWorkdir(workdir));
        }
        if (user != null) {
            if (user.isBlank()) {
                throw new CliException("invalid user '': give a name or uid[:gid]");
            }
            b.put("user", user);
        }
        b.put("tty", tty);
        b.put("stdin", interactive);
        if (memory != null) {
            b.put("memory", memory);
        }
        if (cpus != null) {
            b.put("cpus", checkCpus(cpus));
        }
        if (pidsLimit != null) {
            b.put("pidsLimit", checkPids(pidsLimit));
        }
        if (blkioWeight != null) {
            b.put("blkioWeight", blkioWeight);
        }
        if (labels != null && !labels.isEmpty()) {
            Map<String, String> l = new LinkedHashMap<>();
            for (String kv : labels) {
                int eq = kv.indexOf('=');
                String k = eq < 0 ? kv : kv.substring(0, eq);
                if (k.isEmpty()) {
                    throw new CliException("invalid label '" + kv + "': the key is empty");
                }
                l.put(k, eq < 0 ? "" : kv.substring(eq + 1));
            }
            b.put("labels", l);
        }
        if (network != null) {
            if (network.isEmpty()) {
                throw new CliException("invalid network '': use bridge, none, host or a network's name");
            }
            b.put("network", network);
        }
        if (publish != null && !publish.isEmpty()) {
            List<Map<String, Object>> ports = new ArrayList<>();
            for (String p : publish) {
                ports.add(port(p));
            }
            b.put("ports", ports);
        }
        if (publishAll) {
            b.put("publishAll", true);
        }
        if (restart != null) {
            b.put("restartPolicy", restart);
        }
        if (init) {
            b.put("init", true);
        }
        Map<String, Object> linux = linux();
        if (!linux.isEmpty()) {
            b.put("linux", linux);
        }
        return b;
    }

    /** ContainerCreate's linux part: host name, devices, sysctls and the security options. */
    private Map<String, Object> linux() {
        Map<String, Object> l = new LinkedHashMap<>();
        if (hostname != null) {
            l.put("hostname", hostname);
        }
        if (devices != null && !devices.isEmpty()) {
            List<Object> ds = new ArrayList<>();
            for (String d : devices) {
                ds.add(device(d));
            }
            l.put("devices", ds);
        }
        if (sysctls != null && !sysctls.isEmpty()) {
            Map<String, String> kv = new LinkedHashMap<>();
            for (String s : sysctls) {
                int eq = s.indexOf('=');
                if (eq <= 0) {
                    throw new CliException("invalid --sysctl '" + s + "': use KEY=VALUE");
                }
                kv.put(s.substring(0, eq), s.substring(eq + 1));
            }
            l.put("sysctls", kv);
        }
        Map<String, Object> security = security();
        if (!security.isEmpty()) {
            l.put("security", security);
        }
        return l;
    }

    /** {@code HOST[:CTR][:PERMS]} as docker reads it: a third part, or a second that is not a path, is the permissions. */
    static Map<String, Object> device(String spec) {
        String[] parts = spec.split(":", -1);
        String host = parts[0];
        String ctr = host;
        String perms = "rwm";
        if (parts.length == 2) {
            if (parts[1].startsWith("/")) {
                ctr = parts[1];
            } else {
                perms = parts[1];
            }
        } else if (parts.length == 3) {
            ctr = parts[1];
            perms = parts[2];
        }
        if (parts.length > 3 || !host.startsWith("/") || !ctr.startsWith("/") || perms.isEmpty()
                || !perms.matches("r?w?m?")) {
            throw new CliException("invalid --device '" + spec + "': use /dev/HOST[:/dev/CTR][:rwm]");
        }
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("hostPath", host);
        d.put("containerPath", ctr);
        d.put("permissions", perms);
        return d;
    }

    /** The K=V lines of the --env-file files, in order; blank lines and # comments skipped. */
    private List<String> envFileLines() {
        List<String> out = new ArrayList<>();
        for (String f : envFiles == null ? List.<String>of() : envFiles) {
            try {
                for (String line : Files.readAllLines(Path.of(f))) {
                    String t = line.strip();
                    if (!t.isEmpty() && !t.startsWith("#")) {
                        out.add(line.stripLeading());
                    }
                }
            } catch (IOException e) {
                throw new CliException("read --env-file " + f + ": " + (e.getMessage() == null ? e : e.getMessage()), e);
            }
        }
        return out;
    }

    /** {@code [ip:]hostPort:containerPort[/tcp|udp]} as api.md's port mapping; the daemon checks the ranges. */
    static Map<String, Object> port(String spec) {
        String protocol = "tcp";
        String rest = spec;
        int slash = spec.lastIndexOf('/');
        if (slash >= 0) {
            protocol = spec.substring(slash + 1);
            rest = spec.substring(0, slash);
        }
        int lastColon = rest.lastIndexOf(':');
        if (lastColon < 0 || !(protocol.equals("tcp") || protocol.equals("udp"))) {
            throw new CliException("invalid port '" + spec + "': use [IP:]HOST_PORT:CONTAINER_PORT[/tcp|/udp]");
        }
        String containerPort = rest.substring(lastColon + 1);
        String host = rest.substring(0, lastColon);
        int ipEnd = host.lastIndexOf(':');
        String hostIp = ipEnd < 0 ? "" : host.substring(0, ipEnd);
        String hostPort = host.substring(ipEnd + 1);
        if (hostIp.startsWith("[") && hostIp.endsWith("]")) {
            hostIp = hostIp.substring(1, hostIp.length() - 1);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        try {
            m.put("hostIp", hostIp);
            m.put("hostPort", Integer.parseInt(hostPort));
            m.put("containerPort", Integer.parseInt(containerPort));
        } catch (NumberFormatException e) {
            throw new CliException("invalid port '" + spec + "': ports are numbers (1-65535); use"
                    + " [IP:]HOST_PORT:CONTAINER_PORT[/tcp|/udp]");
        }
        m.put("protocol", protocol);
        return m;
    }

    /** api.md's SecurityOptions; empty keeps the daemon's defaults. */
    private Map<String, Object> security() {
        Map<String, Object> s = new LinkedHashMap<>();
        if (privileged) {
            s.put("privileged", true);
        }
        if (readOnly) {
            s.put("readonlyRootfs", true);
        }
        if (capAdd != null && !capAdd.isEmpty()) {
            s.put("capabilitiesAdd", List.copyOf(capAdd));
        }
        if (capDrop != null && !capDrop.isEmpty()) {
            s.put("capabilitiesDrop", List.copyOf(capDrop));
        }
        for (String opt : securityOpts == null ? List.<String>of() : securityOpts) {
            if (opt.equals("no-new-privileges") || opt.equals("no-new-privileges:true")
                    || opt.equals("no-new-privileges=true")) {
                s.put("noNewPrivileges", true);
                continue;
            }
            if (opt.equals("no-new-privileges:false") || opt.equals("no-new-privileges=false")) {
                s.put("noNewPrivileges", false);
                continue;
            }
            if (opt.startsWith("label=") || opt.startsWith("label:")) {
                continue; // SELinux labels: this host has no SELinux, as Podman without it ignores them
            }
            int eq = opt.indexOf('=');
            String value = eq < 0 ? "" : opt.substring(eq + 1);
            if (eq < 0 || !opt.substring(0, eq).equals("seccomp") || value.isEmpty()) {
                throw new CliException("invalid --security-opt '" + opt + "': use seccomp=unconfined,"
                        + " seccomp=PROFILE.json, no-new-privileges[:true|false] or label=...");
            }
            if (value.equals("unconfined")) {
                s.put("seccomp", "UNCONFINED");
                s.remove("seccompLocalhost");
            } else {
                s.put("seccomp", "LOCALHOST");
                s.put("seccompLocalhost", Path.of(value).toAbsolutePath().normalize().toString());
            }
        }
        return s;
    }

    static String absoluteWorkdir(String dir) {
        if (!dir.startsWith("/")) {
            throw new CliException("invalid working directory '" + dir + "': it must be an absolute path");
        }
        return dir;
    }

    static double checkCpus(double cpus) {
        if (!(cpus > 0) || Double.isInfinite(cpus)) {
            throw new CliException("invalid --cpus " + cpus + ": must be more than 0");
        }
        return cpus;
    }

    static long checkPids(long pids) {
        if (pids == 0 || pids < -1) {
            throw new CliException("invalid --pids-limit " + pids + ": must be positive, or -1 for unlimited");
        }
        return pids;
    }

    /** "K=V" as given; a bare "K" takes this process's value, or is dropped when unset (as Docker). */
    static List<String> envList(List<String> given, Map<String, String> clientEnv) {
        List<String> out = new ArrayList<>();
        if (given == null) {
            return out;
        }
        for (String kv : given) {
            int eq = kv.indexOf('=');
            if (eq == 0 || kv.isEmpty()) {
                throw new CliException("invalid environment variable '" + kv + "': the name is empty");
            }
            if (eq > 0) {
                out.add(kv);
            } else {
                String v = clientEnv.get(kv);
                if (v != null) {
                    out.add(kv + "=" + v);
                }
            }
        }
        return out;
    }
}
