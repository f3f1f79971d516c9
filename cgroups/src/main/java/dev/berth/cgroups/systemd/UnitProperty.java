package dev.berth.cgroups.systemd;

import org.freedesktop.dbus.Struct;
import org.freedesktop.dbus.annotations.Position;
import org.freedesktop.dbus.types.UInt32;
import org.freedesktop.dbus.types.UInt64;
import org.freedesktop.dbus.types.Variant;

import java.math.BigInteger;
import java.util.List;

/** One systemd unit property as D-Bus sends it, a (sv) struct: the name and a typed value. */
public final class UnitProperty extends Struct {
    /** systemd's USEC_INFINITY / CGROUP_LIMIT_MAX: "no limit" for every uint64 limit property. */
    public static final BigInteger INFINITY = UInt64.MAX_BIG_VALUE;

    @Position(0)
    private final String name;
    @Position(1)
    private final Variant<?> value;

    public UnitProperty(String name, Variant<?> value) {
        this.name = name;
        this.value = value;
    }

    public String getName() {
        return name;
    }

    public Variant<?> getValue() {
        return value;
    }

    /** "Name=value, ..." for logs and error messages (Struct's own toString is final and verbose). */
    public static String describe(List<UnitProperty> properties) {
        StringBuilder out = new StringBuilder();
        for (UnitProperty p : properties) {
            Object v = p.value.getValue();
            out.append(out.length() == 0 ? "" : ", ").append(p.name).append('=')
                    .append(v instanceof byte[] b ? java.util.HexFormat.of().formatHex(b) : v);
        }
        return out.toString();
    }

    public static UnitProperty string(String name, String value) {
        return new UnitProperty(name, new Variant<>(value));
    }

    public static UnitProperty bool(String name, boolean value) {
        return new UnitProperty(name, new Variant<>(value));
    }

    /** A uint64 ("t"); a negative value is {@link #INFINITY}. */
    public static UnitProperty uint64(String name, long value) {
        return new UnitProperty(name, new Variant<>(value < 0 ? new UInt64(INFINITY) : new UInt64(value)));
    }

    /** An array of strings ("as"), as Wants takes. */
    public static UnitProperty strings(String name, List<String> values) {
        return new UnitProperty(name, new Variant<>(values, "as"));
    }

    /** An array of uint32 ("au"), as PIDs takes. */
    public static UnitProperty pids(String name, List<Long> pids) {
        return new UnitProperty(name, new Variant<>(pids.stream().map(UInt32::new).toList(), "au"));
    }

    /** A byte array ("ay"), as the AllowedCPUs and AllowedMemoryNodes bitmasks take. */
    public static UnitProperty bytes(String name, byte[] value) {
        return new UnitProperty(name, new Variant<>(value, "ay"));
    }
}
