package dev.berth.cgroups.systemd;

import org.freedesktop.dbus.DBusPath;
import org.freedesktop.dbus.Struct;
import org.freedesktop.dbus.annotations.DBusInterfaceName;
import org.freedesktop.dbus.annotations.Position;
import org.freedesktop.dbus.exceptions.DBusException;
import org.freedesktop.dbus.interfaces.DBusInterface;
import org.freedesktop.dbus.messages.DBusSignal;
import org.freedesktop.dbus.types.UInt32;

import java.util.List;

/**
 * The part of systemd's org.freedesktop.systemd1.Manager D-Bus interface the systemd cgroup driver
 * uses (see org.freedesktop.systemd1(5)); method names are the D-Bus member names.
 */
@DBusInterfaceName("org.freedesktop.systemd1.Manager")
public interface Systemd1Manager extends DBusInterface {
    String BUS_NAME = "org.freedesktop.systemd1";
    String OBJECT_PATH = "/org/freedesktop/systemd1";

    /** StartTransientUnit(s name, s mode, a(sv) properties, a(sa(sv)) aux) -> o job. */
    DBusPath StartTransientUnit(String name, String mode, List<UnitProperty> properties, List<AuxUnit> aux);

    /** SetUnitProperties(s name, b runtime, a(sv) properties). */
    void SetUnitProperties(String name, boolean runtime, List<UnitProperty> properties);

    /** StopUnit(s name, s mode) -> o job. */
    DBusPath StopUnit(String name, String mode);

    /** ResetFailedUnit(s name): forgets a failed unit so its name can be used again. */
    void ResetFailedUnit(String name);

    /** An auxiliary unit of StartTransientUnit: (s name, a(sv) properties). Berth sends none. */
    final class AuxUnit extends Struct {
        @Position(0)
        private final String name;
        @Position(1)
        private final List<UnitProperty> properties;

        public AuxUnit(String name, List<UnitProperty> properties) {
            this.name = name;
            this.properties = properties;
        }

        public String getName() {
            return name;
        }

        public List<UnitProperty> getProperties() {
            return properties;
        }
    }

    /** JobRemoved(u id, o job, s unit, s result): a job finished; result "done" is success. */
    final class JobRemoved extends DBusSignal {
        private final DBusPath job;
        private final String unit;
        private final String result;

        public JobRemoved(String path, UInt32 id, DBusPath job, String unit, String result) throws DBusException {
            super(path, id, job, unit, result);
            this.job = job;
            this.unit = unit;
            this.result = result;
        }

        public DBusPath job() {
            return job;
        }

        public String unit() {
            return unit;
        }

        public String result() {
            return result;
        }
    }
}
