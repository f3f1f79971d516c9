package dev.berth.daemon.cri;

import dev.berth.cri.v1.LinuxContainerSecurityContext;
import dev.berth.cri.v1.LinuxSandboxSecurityContext;
import dev.berth.cri.v1.NamespaceMode;
import dev.berth.cri.v1.SecurityProfile;
import dev.berth.cri.v1.SupplementalGroupsPolicy;
import dev.berth.daemon.pod.PodRecord;
import dev.berth.oci.BerthException;
import dev.berth.oci.bundle.SecurityOptions;
import java.util.List;

/** The CRI's security contexts and namespace modes in Berth's terms. */
final class CriSecurity {
    private CriSecurity() {
    }

    static SecurityOptions of(LinuxSandboxSecurityContext s) {
        return new SecurityOptions(s.getPrivileged(), s.getReadonlyRootfs(), null, null, null,
                s.hasRunAsUser() ? s.getRunAsUser().getValue() : null,
                s.hasRunAsGroup() ? s.getRunAsGroup().getValue() : null,
                s.getSupplementalGroupsList().isEmpty() ? null : List.copyOf(s.getSupplementalGroupsList()),
                s.hasSeccomp() ? seccomp(s.getSeccomp()) : seccompByPath(s.getSeccompProfilePath()),
                s.hasSeccomp() ? localhostRef(s.getSeccomp()) : localhostPath(s.getSeccompProfilePath()),
                null, null, s.hasApparmor() ? apparmor(s.getApparmor()) : null,
                policy(s.getSupplementalGroupsPolicy()));
    }

    static SecurityOptions of(LinuxContainerSecurityContext s) {
        return new SecurityOptions(s.getPrivileged(), s.getReadonlyRootfs(), s.getNoNewPrivs() ? Boolean.TRUE : null,
                s.hasCapabilities() ? s.getCapabilities().getAddCapabilitiesList() : null,
                s.hasCapabilities() ? s.getCapabilities().getDropCapabilitiesList() : null,
                s.hasRunAsUser() ? s.getRunAsUser().getValue() : null,
                s.hasRunAsGroup() ? s.getRunAsGroup().getValue() : null,
                s.getSupplementalGroupsList().isEmpty() ? null : List.copyOf(s.getSupplementalGroupsList()),
                s.hasSeccomp() ? seccomp(s.getSeccomp()) : seccompByPath(s.getSeccompProfilePath()),
                s.hasSeccomp() ? localhostRef(s.getSeccomp()) : localhostPath(s.getSeccompProfilePath()),
                s.getMaskedPathsCount() > 0 ? s.getMaskedPathsList() : null,
                s.getReadonlyPathsCount() > 0 ? s.getReadonlyPathsList() : null,
                s.hasApparmor() ? apparmor(s.getApparmor()) : nullIfEmpty(s.getApparmorProfile()),
                policy(s.getSupplementalGroupsPolicy()));
    }

    static PodRecord.NamespaceMode mode(NamespaceMode m) {
        return switch (m) {
            case POD -> PodRecord.NamespaceMode.POD;
            case CONTAINER -> PodRecord.NamespaceMode.CONTAINER;
            case NODE -> PodRecord.NamespaceMode.NODE;
            case TARGET -> PodRecord.NamespaceMode.TARGET;
            case UNRECOGNIZED -> throw BerthException.invalid("unknown namespace mode");
        };
    }

    static NamespaceMode mode(PodRecord.NamespaceMode m) {
        return switch (m) {
            case POD -> NamespaceMode.POD;
            case CONTAINER -> NamespaceMode.CONTAINER;
            case NODE -> NamespaceMode.NODE;
            case TARGET -> NamespaceMode.TARGET;
        };
    }

    private static SecurityOptions.SupplementalGroupsPolicy policy(SupplementalGroupsPolicy p) {
        return switch (p) {
            case Merge -> SecurityOptions.SupplementalGroupsPolicy.MERGE;
            case Strict -> SecurityOptions.SupplementalGroupsPolicy.STRICT;
            case UNRECOGNIZED -> throw BerthException.invalid("unknown supplemental_groups_policy");
        };
    }

    private static SecurityOptions.Seccomp seccomp(SecurityProfile p) {
        return switch (p.getProfileType()) {
            case RuntimeDefault -> SecurityOptions.Seccomp.RUNTIME_DEFAULT;
            case Unconfined -> SecurityOptions.Seccomp.UNCONFINED;
            case Localhost -> SecurityOptions.Seccomp.LOCALHOST;
            case UNRECOGNIZED -> throw BerthException.invalid("unknown seccomp profile type");
        };
    }

    private static String localhostRef(SecurityProfile p) {
        return p.getProfileType() == SecurityProfile.ProfileType.Localhost ? p.getLocalhostRef() : null;
    }

    /** The deprecated string form: "", "unconfined", "runtime/default", "docker/default", "localhost/PATH". */
    private static SecurityOptions.Seccomp seccompByPath(String path) {
        if (path.isEmpty() || path.equals("unconfined")) {
            return SecurityOptions.Seccomp.UNCONFINED;
        }
        if (path.equals("runtime/default") || path.equals("docker/default")) {
            return SecurityOptions.Seccomp.RUNTIME_DEFAULT;
        }
        if (path.startsWith("localhost/")) {
            return SecurityOptions.Seccomp.LOCALHOST;
        }
        throw BerthException.invalid("unknown seccomp profile \"" + path + "\"");
    }

    private static String localhostPath(String path) {
        return path.startsWith("localhost/") ? path.substring("localhost".length()) : null;
    }

    private static String apparmor(SecurityProfile p) {
        return switch (p.getProfileType()) {
            case RuntimeDefault -> "runtime/default";
            case Unconfined -> null;
            case Localhost -> "localhost/" + p.getLocalhostRef();
            case UNRECOGNIZED -> throw BerthException.invalid("unknown AppArmor profile type");
        };
    }

    private static String nullIfEmpty(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
