package org.freedesktop.systemd1;

import org.freedesktop.dbus.exceptions.DBusExecutionException;

/**
 * systemd's D-Bus error org.freedesktop.systemd1.UnitExists: StartTransientUnit of a name that is already loaded.
 * dbus-java turns a D-Bus error into the exception class of the same name when one exists, else
 * into a bare DBusExecutionException that loses the name; hence this class and its package.
 */
public class UnitExists extends DBusExecutionException {
    private static final long serialVersionUID = 1L;

    public UnitExists(String message) {
        super(message);
    }
}
