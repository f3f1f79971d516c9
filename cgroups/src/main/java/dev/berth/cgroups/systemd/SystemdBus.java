package dev.berth.cgroups.systemd;

import dev.berth.oci.BerthException;
import org.freedesktop.dbus.DBusPath;
import org.freedesktop.dbus.connections.impl.DBusConnection;
import org.freedesktop.dbus.connections.impl.DBusConnectionBuilder;
import org.freedesktop.dbus.errors.AccessDenied;
import org.freedesktop.dbus.errors.UnknownObject;
import org.freedesktop.dbus.exceptions.DBusException;
import org.freedesktop.dbus.exceptions.DBusExecutionException;
import org.freedesktop.dbus.interfaces.Properties;
import org.freedesktop.systemd1.NoSuchUnit;
import org.freedesktop.systemd1.UnitExists;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A connection to systemd's manager on the system bus: starts, changes and stops units and waits
 * for their jobs. A connection that dropped (dbus restarted) is replaced on the next call, and a
 * call that failed because of the drop is sent once more on the new connection.
 *
 * <p>Jobs: systemd answers StartTransientUnit/StopUnit with a job path and later emits JobRemoved
 * for it (to the client that queued it, no Subscribe needed). The call and the registration of its
 * job happen under one lock that the signal handler also takes, so a JobRemoved that arrives
 * before the call returns waits until its job is registered instead of being lost.
 */
public final class SystemdBus implements AutoCloseable {
    public static final String SYSTEM_BUS_ADDRESS = "unix:path=/run/dbus/system_bus_socket";
    static final long JOB_TIMEOUT_SECONDS = 30;
    private static final Pattern MAJOR_VERSION = Pattern.compile("^v?(\\d+)");
    private static final System.Logger LOG = System.getLogger(SystemdBus.class.getName());

    private final String address;
    private final Object jobLock = new Object();
    /** Job path to the future its JobRemoved completes; guarded by jobLock. */
    private final Map<String, CompletableFuture<String>> pendingJobs = new HashMap<>();
    private DBusConnection connection;
    private Proxies proxies;
    private int version;

    private SystemdBus(String address) {
        this.address = address;
    }

    /** Connects now, so that a missing bus or systemd is reported at start-up (UNAVAILABLE). */
    public static SystemdBus connect(String address) {
        SystemdBus bus = new SystemdBus(address);
        bus.proxies();
        bus.version = parseVersion(bus.readVersion());
        LOG.log(System.Logger.Level.INFO, "connected to systemd " + bus.version + " on " + address);
        return bus;
    }

    /** systemd's major version (e.g. 252), which decides the properties it understands. */
    public int version() {
        return version;
    }

    /**
     * StartTransientUnit with mode "fail", then waits for the job: INTERNAL unless its result is
     * "done" (e.g. "failed" when a PID does not exist), ALREADY_EXISTS when the unit is loaded.
     */
    public void startTransientUnit(String unit, List<UnitProperty> properties) {
        String op = "start unit " + unit;
        String result = runJob(op, p -> p.manager().StartTransientUnit(unit, "fail", properties, List.of()));
        if (!"done".equals(result)) {
            throw BerthException.internal(op + ": job finished with result '" + result + "'", null);
        }
    }

    /** SetUnitProperties with runtime=true: the change lives until the unit goes or systemd restarts. */
    public void setUnitProperties(String unit, List<UnitProperty> properties) {
        call("set properties of unit " + unit + " (" + UnitProperty.describe(properties) + ")", p -> {
            p.manager().SetUnitProperties(unit, true, properties);
            return null;
        });
    }

    /**
     * StopUnit with mode "replace", waiting for the job, then forgets the unit if it failed (a scope
     * whose processes were OOM-killed) so that its name is free again. False if no such unit.
     */
    public boolean stopUnit(String unit) {
        String op = "stop unit " + unit;
        try {
            String result = runJob(op, p -> p.manager().StopUnit(unit, "replace"));
            if (!"done".equals(result)) {
                throw BerthException.internal(op + ": job finished with result '" + result + "'", null);
            }
        } catch (BerthException e) {
            if (e.kind() == BerthException.Kind.NOT_FOUND) {
                return false;
            }
            throw e;
        }
        try {
            call("reset failed unit " + unit, p -> {
                p.manager().ResetFailedUnit(unit);
                return null;
            });
        } catch (BerthException e) {
            // the usual case: a unit that stopped cleanly is gone, or not in the failed state
            LOG.log(System.Logger.Level.DEBUG, e.getMessage());
        }
        return true;
    }

    private String runJob(String op, Function<Proxies, DBusPath> queue) {
        CompletableFuture<String> finished = new CompletableFuture<>();
        String job;
        synchronized (jobLock) {
            job = call(op, queue).getPath();
            pendingJobs.put(job, finished);
        }
        try {
            return finished.get(JOB_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new BerthException(BerthException.Kind.UNAVAILABLE,
                    op + ": job " + job + " did not finish in " + JOB_TIMEOUT_SECONDS + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BerthException(BerthException.Kind.UNAVAILABLE, op + ": interrupted waiting for job " + job, e);
        } catch (ExecutionException e) {
            throw BerthException.internal(op + ": job " + job + ": " + e.getCause(), e.getCause());
        } finally {
            synchronized (jobLock) {
                pendingJobs.remove(job);
            }
        }
    }

    private void jobRemoved(Systemd1Manager.JobRemoved signal) {
        synchronized (jobLock) {
            CompletableFuture<String> f = pendingJobs.remove(signal.job().getPath());
            if (f != null) {
                f.complete(signal.result());
            }
        }
    }

    /** Runs one method call; once more on a fresh connection if the connection dropped under it. */
    private <T> T call(String op, Function<Proxies, T> method) {
        try {
            return method.apply(proxies());
        } catch (DBusExecutionException e) {
            if (connected()) {
                throw translate(op, e);
            }
            LOG.log(System.Logger.Level.WARNING, op + ": the system bus connection dropped (" + e.getMessage()
                    + "), reconnecting");
        }
        try {
            return method.apply(proxies());
        } catch (DBusExecutionException e) {
            throw translate(op, e);
        }
    }

    private synchronized boolean connected() {
        return connection != null && connection.isConnected();
    }

    /** The objects of one connection. */
    private record Proxies(Systemd1Manager manager, Properties properties) {
    }

    /** The proxies of the current connection, connecting first if there is none or it dropped. */
    private synchronized Proxies proxies() {
        if (connected()) {
            return proxies;
        }
        if (connection != null) {
            LOG.log(System.Logger.Level.INFO, "the connection to systemd on " + address + " is gone, reconnecting");
            connection.disconnect();
        }
        try {
            DBusConnection c = DBusConnectionBuilder.forAddress(address).withShared(false).build();
            try {
                c.addSigHandler(Systemd1Manager.JobRemoved.class, this::jobRemoved);
                proxies = new Proxies(
                        c.getRemoteObject(Systemd1Manager.BUS_NAME, Systemd1Manager.OBJECT_PATH, Systemd1Manager.class),
                        c.getRemoteObject(Systemd1Manager.BUS_NAME, Systemd1Manager.OBJECT_PATH, Properties.class));
            } catch (DBusException | RuntimeException e) {
                c.disconnect();
                throw e;
            }
            connection = c;
            return proxies;
        } catch (DBusException | RuntimeException e) {
            connection = null;
            throw new BerthException(BerthException.Kind.UNAVAILABLE,
                    "connect to systemd on " + address + ": " + e.getMessage(), e);
        }
    }

    private String readVersion() {
        return call("read the systemd version",
                p -> p.properties().<String>Get("org.freedesktop.systemd1.Manager", "Version"));
    }

    /** "252.39-1~deb12u1" or "v252" gives 252. */
    static int parseVersion(String version) {
        Matcher m = MAJOR_VERSION.matcher(version == null ? "" : version.strip());
        if (!m.find()) {
            throw new BerthException(BerthException.Kind.FAILED_PRECONDITION,
                    "systemd reports an unparsable version '" + version + "'");
        }
        return Integer.parseInt(m.group(1));
    }

    private static BerthException translate(String op, DBusExecutionException e) {
        String msg = op + ": " + e.getMessage();
        if (e instanceof NoSuchUnit || e instanceof UnknownObject) {
            return new BerthException(BerthException.Kind.NOT_FOUND, msg, e);
        }
        if (e instanceof UnitExists) {
            return new BerthException(BerthException.Kind.ALREADY_EXISTS, msg, e);
        }
        if (e instanceof AccessDenied) {
            return new BerthException(BerthException.Kind.FAILED_PRECONDITION, msg, e);
        }
        return BerthException.internal(msg, e);
    }

    @Override
    public synchronized void close() {
        if (connection != null) {
            try {
                connection.close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "close the system bus connection: " + e);
            }
            connection = null;
        }
    }
}
