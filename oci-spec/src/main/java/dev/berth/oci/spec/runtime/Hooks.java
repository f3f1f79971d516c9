package dev.berth.oci.spec.runtime;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.List;

/** {@code hooks}, by stage. {@code prestart} is deprecated in 1.1 but runc 1.1 still runs it. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Hooks(
        List<Hook> prestart,
        List<Hook> createRuntime,
        List<Hook> createContainer,
        List<Hook> startContainer,
        List<Hook> poststart,
        List<Hook> poststop) {

    public static final List<String> STAGES = List.of(
            "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop");

    public static Hooks empty() {
        return new Hooks(null, null, null, null, null, null);
    }

    /** The hooks of one stage (never null); throws IllegalArgumentException for an unknown stage. */
    public List<Hook> stage(String stage) {
        List<Hook> l = switch (stage) {
            case "prestart" -> prestart;
            case "createRuntime" -> createRuntime;
            case "createContainer" -> createContainer;
            case "startContainer" -> startContainer;
            case "poststart" -> poststart;
            case "poststop" -> poststop;
            default -> throw new IllegalArgumentException("unknown hook stage " + stage);
        };
        return l == null ? List.of() : l;
    }

    /** A copy with {@code hook} appended to {@code stage}. */
    public Hooks plus(String stage, Hook hook) {
        List<Hook> l = new ArrayList<>(stage(stage));
        l.add(hook);
        List<Hook> v = List.copyOf(l);
        return switch (stage) {
            case "prestart" -> new Hooks(v, createRuntime, createContainer, startContainer, poststart, poststop);
            case "createRuntime" -> new Hooks(prestart, v, createContainer, startContainer, poststart, poststop);
            case "createContainer" -> new Hooks(prestart, createRuntime, v, startContainer, poststart, poststop);
            case "startContainer" -> new Hooks(prestart, createRuntime, createContainer, v, poststart, poststop);
            case "poststart" -> new Hooks(prestart, createRuntime, createContainer, startContainer, v, poststop);
            case "poststop" -> new Hooks(prestart, createRuntime, createContainer, startContainer, poststart, v);
            default -> throw new IllegalArgumentException("unknown hook stage " + stage);
        };
    }
}
