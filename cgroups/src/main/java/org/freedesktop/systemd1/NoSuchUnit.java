package org.freedesktop.systemd1;

import org.freedesktop.dbus.exceptions.DBusExecutionException;

/**
 * systemd's D-Bus error org.freedesktop.systemd1.NoSuchUnit: no unit of that name is loaded
 * (StopUnit, SetUnitProperties, ResetFailedUnit).
 * dbus-java turns a D-Bus error into the exception class of the same name when one exists, else
 * into a bare DBusExecutionException that loses the name; hence this class and its package.
 */
public class NoSuchUnit extends DBusExecutionException {
    private static final long serialVersionUID = 1L;

    public NoSuchUnit(String message) {
        super(message);
    }
}
