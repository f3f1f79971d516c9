package dev.berth.daemon.container;

import dev.berth.oci.BerthException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Containers by id and by name; resolves a name, an id or an unambiguous id prefix, as Docker does. */
final class ContainerIndex {
    private final Map<String, Container> byId = new ConcurrentHashMap<>();
    private final Map<String, String> idByName = new ConcurrentHashMap<>();

    static void checkName(String name) {
        if (!InputRules.isName(name)) {
            throw BerthException.invalid("invalid container name " + InputRules.shown(name)
                    + ": use letters, digits, '_', '.' and '-', starting with a letter or digit (at most "
                    + InputRules.MAX_NAME_CHARS + ")");
        }
    }

    /** Reserves the name for the id; fails if another container has it. */
    void reserveName(String name, String id) {
        String holder = idByName.putIfAbsent(name, id);
        if (holder != null && !holder.equals(id)) {
            throw new BerthException(BerthException.Kind.ALREADY_EXISTS,
                    "create container: the name '" + name + "' is already in use by container " + holder);
        }
    }

    void add(Container c) {
        reserveName(c.record().name(), c.id());
        byId.put(c.id(), c);
    }

    void remove(String id, String name) {
        byId.remove(id);
        idByName.remove(name, id);
    }

    void releaseName(String name, String id) {
        idByName.remove(name, id);
    }

    List<Container> all() {
        return new ArrayList<>(byId.values());
    }

    Container resolve(String ref) {
        if (!InputRules.isName(ref)) {
            throw BerthException.invalid("container reference " + InputRules.shown(ref)
                    + " is neither a container name nor an id");
        }
        String byName = idByName.get(ref);
        if (byName != null && byId.containsKey(byName)) {
            return byId.get(byName);
        }
        Container exact = byId.get(ref);
        if (exact != null) {
            return exact;
        }
        Container found = null;
        if (!ref.isEmpty() && ref.chars().allMatch(ch -> Character.digit(ch, 16) >= 0)) {
            for (Container c : byId.values()) {
                if (c.id().startsWith(ref)) {
                    if (found != null) {
                        throw BerthException.conflict("container id prefix '" + ref + "' is ambiguous");
                    }
                    found = c;
                }
            }
        }
        if (found == null) {
            throw BerthException.notFound("no such container: " + ref);
        }
        return found;
    }
}
