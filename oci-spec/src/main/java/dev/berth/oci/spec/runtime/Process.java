package dev.berth.oci.spec.runtime;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/** {@code process}: what runc executes in the container. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Process(
        Boolean terminal,
        ConsoleSize consoleSize,
        User user,
        List<String> args,
        List<String> env,
        String cwd,
        Capabilities capabilities,
        List<Rlimit> rlimits,
        Boolean noNewPrivileges,
        String apparmorProfile,
        Integer oomScoreAdj,
        String selinuxLabel) {

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ConsoleSize(int height, int width) {
    }

    /** uid and gid are always written (0 is root, not "unset"). */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record User(long uid, long gid, Long umask, List<Long> additionalGids) {
        public User(long uid, long gid) {
            this(uid, gid, null, null);
        }
    }

    /** Capability names carry the {@code CAP_} prefix. */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Capabilities(
            List<String> bounding,
            List<String> effective,
            List<String> inheritable,
            List<String> permitted,
            List<String> ambient) {
    }

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Rlimit(String type, long hard, long soft) {
    }

    public Process withTerminal(Boolean v) { return new Process(v, consoleSize, user, args, env, cwd, capabilities, rlimits, noNewPrivileges, apparmorProfile, oomScoreAdj, selinuxLabel); }
    public Process withConsoleSize(ConsoleSize v) { return new Process(terminal, v, user, args, env, cwd, capabilities, rlimits, noNewPrivileges, apparmorProfile, oomScoreAdj, selinuxLabel); }
    public Process withUser(User v) { return new Process(terminal, consoleSize, v, args, env, cwd, capabilities, rlimits, noNewPrivileges, apparmorProfile, oomScoreAdj, selinuxLabel); }
    public Process withArgs(List<String> v) { return new Process(terminal, consoleSize, user, v, env, cwd, capabilities, rlimits, noNewPrivileges, apparmorProfile, oomScoreAdj, selinuxLabel); }
    public Process withEnv(List<String> v) { return new Process(terminal, consoleSize, user, args, v, cwd, capabilities, rlimits, noNewPrivileges, apparmorProfile, oomScoreAdj, selinuxLabel); }
    public Process withCwd(String v) { return new Process(terminal, consoleSize, user, args, env, v, capabilities, rlimits, noNewPrivileges, apparmorProfile, oomScoreAdj, selinuxLabel); }
    public Process withCapabilities(Capabilities v) { return new Process(terminal, consoleSize, user, args, env, cwd, v, rlimits, noNewPrivileges, apparmorProfile, oomScoreAdj, selinuxLabel); }
    public Process withRlimits(List<Rlimit> v) { return new Process(terminal, consoleSize, user, args, env, cwd, capabilities, v, noNewPrivileges, apparmorProfile, oomScoreAdj, selinuxLabel); }
    public Process withNoNewPrivileges(Boolean v) { return new Process(terminal, consoleSize, user, args, env, cwd, capabilities, rlimits, v, apparmorProfile, oomScoreAdj, selinuxLabel); }
    public Process withApparmorProfile(String v) { return new Process(terminal, consoleSize, user, args, env, cwd, capabilities, rlimits, noNewPrivileges, v, oomScoreAdj, selinuxLabel); }
    public Process withOomScoreAdj(Integer v) { return new Process(terminal, consoleSize, user, args, env, cwd, capabilities, rlimits, noNewPrivileges, apparmorProfile, v, selinuxLabel); }
    public Process withSelinuxLabel(String v) { return new Process(terminal, consoleSize, user, args, env, cwd, capabilities, rlimits, noNewPrivileges, apparmorProfile, oomScoreAdj, v); }
}
