package dev.berth.viewfs.syscall;

import dev.berth.viewfs.caller.CallerResolver;
import dev.berth.viewfs.caller.ProcFs;
import dev.berth.viewfs.fuse.ViewFiles;
import dev.berth.viewfs.view.CpuList;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import jnr.ffi.Pointer;

/**
 * Syscall views: answers containers' sysinfo(2) and sched_getaffinity(2), which berthd's seccomp profile
 * sends here through seccomp user notification (SCMP_ACT_NOTIFY). The notification descriptors are
 * held by berth-viewfs-notify (shim/c), which runc hands them to at create and which outlives this
 * server, so that a restart of the server fails no call; this server takes copies (pidfd_getfd) and
 * answers on one thread. Each notification is received into the keeper's slot file, mapped shared,
 * so that if this process is killed before answering, the keeper answers it (the real syscall).
 *
 * <p>Paths: {@link #listener(Path)} (where runc connects; berthd adds the rules only while it accepts),
 * {@link #control(Path)} and {@link #slot(Path)}, beside the mount point.
 */
public final class SyscallViews implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SyscallViews.class.getName());
    /** How long callers wait for a restarted server before the keeper lets their real syscall run. */
    public static final int GRACE_SECONDS = 10;
    private static final long KEEPER_START_MILLIS = 5_000;
    private static final int MAX_FDS = 4096;

    private record Held(int fd, int keeperFd) {
    }

    private final Path control;
    private final Path slotFile;
    private final Path listener;
    private final Path keeper;
    private final ProcFs proc;
    private final CallerResolver callers;
    private final ViewFiles files;
    private SyscallAnswers answers;
    private final SeccompNative.Libc c = SeccompNative.libc();
    private final ConcurrentLinkedQueue<Held> incoming = new ConcurrentLinkedQueue<>();
    private final int[] wake = new int[2];
    private SocketChannel keeperConnection;
    private volatile boolean closed;
    /** Set when the keeper said READY: the slot may hold what a killed predecessor left unanswered. */
    private volatile boolean recoverSlot;

    /** @param keeper the berth-viewfs-notify binary */
    public SyscallViews(Path mountPoint, Path keeper, ProcFs proc, CallerResolver callers, ViewFiles files) {
        this.listener = listener(mountPoint);
        this.control = control(mountPoint);
        this.slotFile = slot(mountPoint);
        this.keeper = keeper;
        this.proc = proc;
        this.callers = callers;
        this.files = files;
    }

    /** The socket runc connects to (linux.seccomp.listenerPath). */
    public static Path listener(Path mountPoint) {
        return Path.of(mountPoint + ".notify.sock");
    }

    /**
     * The berth-viewfs-notify of this mount point (its listener path is in its command line), if one runs: it
     * outlives every server, so whoever ends the views for good (tests, uninstall) ends it.
     */
    public static Optional<ProcessHandle> keeper(Path mountPoint) {
        String path = listener(mountPoint).toString();
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().arguments().map(a -> List.of(a).contains(path)).orElse(false))
                .findFirst();
    }

    static Path control(Path mountPoint) {
        return Path.of(mountPoint + ".notify.ctl");
    }

    static Path slot(Path mountPoint) {
        return Path.of(mountPoint + ".notify.slot");
    }

    /**
     * Connects to the keeper (starting it if none serves) and starts answering; throws
     * IllegalStateException when neither works (the caller logs: containers then get no syscall views).
     */
    public void start() {
        String possible = proc.read(Path.of("/sys/devices/system/cpu/possible"));
        List<Integer> cpus = CpuList.parse(possible == null ? "" : possible.trim());
        int nrCpuIds = cpus.isEmpty() ? 1 : cpus.get(cpus.size() - 1) + 1;
        answers = new SyscallAnswers(callers, files, nrCpuIds, SeccompNative.kernelMaskBytes());
        keeperConnection = connectOrStartKeeper();
        int fd = c.open(slotFile.toString(), SeccompNative.O_RDWR | SeccompNative.O_CLOEXEC);
        if (fd < 0) {
            throw new IllegalStateException("syscall views: open " + slotFile + ": " + SeccompNative.lastError());
        }
        Pointer slot = c.mmap(null, 4096, SeccompNative.PROT_READ_WRITE, SeccompNative.MAP_SHARED, fd, 0);
        c.close(fd);
        if (slot == null || slot.address() == -1L) {
            throw new IllegalStateException("syscall views: map " + slotFile + ": " + SeccompNative.lastError());
        }
        if (c.pipe2(wake, SeccompNative.O_CLOEXEC | SeccompNative.O_NONBLOCK) != 0) {
            throw new IllegalStateException("syscall views: pipe: " + SeccompNative.lastError());
        }
        Thread reader = new Thread(this::readKeeper, "viewfs-notify-keeper");
        reader.setDaemon(true);
        reader.start();
        Thread loop = new Thread(() -> serve(slot), "viewfs-syscalls");
        loop.setDaemon(true);
        loop.start();
        LOG.log(System.Logger.Level.INFO, "syscall views: answering sysinfo and sched_getaffinity for runc's "
                + listener);
    }

    private SocketChannel connectOrStartKeeper() {
        SocketChannel ch = tryConnect();
        if (ch != null) {
            return ch;
        }
        if (keeper == null) {
            throw new IllegalStateException("syscall views: no berth-viewfs-notify beside the remount helper");
        }
        try {
            new ProcessBuilder(keeper.toString(), listener.toString(), control.toString(), slotFile.toString(),
                    Integer.toString(GRACE_SECONDS)).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.INHERIT).start();
        } catch (IOException e) {
            throw new IllegalStateException("syscall views: start " + keeper + ": " + e.getMessage(), e);
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(KEEPER_START_MILLIS);
        while (System.nanoTime() < deadline) {
            ch = tryConnect();
            if (ch != null) {
                return ch;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new IllegalStateException("syscall views: " + keeper + " does not serve " + control);
    }

    private SocketChannel tryConnect() {
        try {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.connect(UnixDomainSocketAddress.of(control));
                return ch;
            } catch (IOException e) {
                ch.close();
                return null;
            }
        } catch (IOException e) {
            return null;
        }
    }

    /** The keeper's lines: "KEEPER pid", then "FD n" for every descriptor it holds or gets. */
    private void readKeeper() {
        int keeperPidfd = -1;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(keeperConnection),
                StandardCharsets.US_ASCII))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.equals("READY")) {
                    recoverSlot = true;
                    c.write(wake[1], new byte[] {1}, 1);
                    continue;
                }
                String[] f = line.split(" ");
                if (f.length != 2) {
                    continue;
                }
                int n = Integer.parseInt(f[1]);
                if (f[0].equals("KEEPER")) {
                    keeperPidfd = (int) c.syscall(SeccompNative.SYS_PIDFD_OPEN, n, 0, 0);
                    if (keeperPidfd < 0) {
                        throw new IOException("pidfd_open of keeper " + n + ": " + SeccompNative.lastError());
                    }
                } else if (f[0].equals("FD") && keeperPidfd >= 0) {
                    int fd = (int) c.syscall(SeccompNative.SYS_PIDFD_GETFD, keeperPidfd, n, 0);
                    if (fd < 0) {
                        // closed meanwhile: that container ended
                        continue;
                    }
                    incoming.add(new Held(fd, n));
                    c.write(wake[1], new byte[] {1}, 1);
                }
            }
            if (!closed) {
                LOG.log(System.Logger.Level.WARNING, "syscall views: berth-viewfs-notify ended: containers made"
                        + " from now on get no syscall views until this server restarts; those held are still answered");
            }
        } catch (IOException | RuntimeException e) {
            if (!closed) {
                LOG.log(System.Logger.Level.WARNING, "syscall views: reading berth-viewfs-notify: " + e, e);
            }
        }
    }

    private void serve(Pointer slot) {
        List<Held> held = new ArrayList<>();
        Pointer fds = SeccompNative.allocate(8 * (MAX_FDS + 1));
        Pointer response = SeccompNative.allocate(Response.SIZE);
        Pointer id = SeccompNative.allocate(8);
        Pointer data = SeccompNative.allocate(8192);
        Pointer iovecs = SeccompNative.allocate(32);
        byte[] raw = new byte[Notification.SIZE];
        byte[] drain = new byte[64];
        while (!closed) {
            for (Held h; (h = incoming.poll()) != null; ) {
                if (held.size() < MAX_FDS) {
                    held.add(h);
                } else {
                    c.close(h.fd());
                }
            }
            if (recoverSlot) {
                recoverSlot = false;
                answerLeftOver(held, slot, response, id, data, iovecs, raw);
            }
            fds.putInt(0, wake[0]);
            fds.putInt(4, SeccompNative.POLLIN);
            for (int i = 0; i < held.size(); i++) {
                fds.putInt(8L * (i + 1), held.get(i).fd());
                fds.putInt(8L * (i + 1) + 4, SeccompNative.POLLIN);
            }
            if (c.poll(fds, held.size() + 1, -1) < 0) {
                if (SeccompNative.errno() != SeccompNative.EINTR) {
                    LOG.log(System.Logger.Level.ERROR, "syscall views: poll: " + SeccompNative.lastError());
                    return;
                }
                continue;
            }
            while (c.read(wake[0], drain, drain.length) > 0) {
                // woken for new descriptors
            }
            for (int i = held.size() - 1; i >= 0; i--) {
                short ev = fds.getShort(8L * (i + 1) + 6);
                Held h = held.get(i);
                if ((ev & (SeccompNative.POLLHUP | SeccompNative.POLLERR | SeccompNative.POLLNVAL)) != 0) {
                    c.close(h.fd());
                    held.remove(i);
                } else if ((ev & SeccompNative.POLLIN) != 0) {
                    answerOne(h, slot, response, id, data, iovecs, raw);
                }
            }
        }
    }

    /**
     * The notification a killed predecessor had received (it is in the slot, with the keeper's number of its
     * descriptor) and not answered: the kernel hands it out no more, so it is answered from the slot.
     */
    private void answerLeftOver(List<Held> held, Pointer slot, Pointer response, Pointer id, Pointer data,
                                Pointer iovecs, byte[] raw) {
        if (slot.getLong(8) == 0) {
            return;
        }
        int keeperFd = slot.getInt(0);
        for (Held h : held) {
            if (h.keeperFd() == keeperFd) {
                slot.get(8, raw, 0, raw.length);
                answer(h, Notification.decode(raw), response, id, data, iovecs);
                LOG.log(System.Logger.Level.INFO, "syscall views: answered the call the previous server left");
                break;
            }
        }
        slot.putLong(8, 0);
    }

    /**
     * Receives one notification into the slot (the keeper's shared mapping: if this process dies before the
     * answer, the keeper finds it there) and answers it; anything unexpected runs the real syscall.
     */
    private void answerOne(Held h, Pointer slot, Pointer response, Pointer id, Pointer data, Pointer iovecs,
                           byte[] raw) {
        slot.putInt(0, h.keeperFd());
        slot.setMemory(8, Notification.SIZE, (byte) 0);
        if (c.ioctl(h.fd(), SeccompNative.NOTIF_RECV, slot.slice(8)) != 0) {
            // ENOENT: the caller was interrupted before this took its notification
            return;
        }
        slot.get(8, raw, 0, raw.length);
        answer(h, Notification.decode(raw), response, id, data, iovecs);
        slot.putLong(8, 0);
    }

    private void answer(Held h, Notification n, Pointer response, Pointer id, Pointer data, Pointer iovecs) {
        Response r;
        try {
            r = answers.answer(n, target(h.fd(), n, id, data, iovecs));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "syscall views: syscall " + n.nr() + " of thread " + n.pid()
                    + ": " + e + ": it runs the real syscall", e);
            r = Response.realSyscall(n.id());
        }
        if (r != null) {
            response.put(0, r.encode(), 0, Response.SIZE);
            c.ioctl(h.fd(), SeccompNative.NOTIF_SEND, response);
        }
    }

    private SyscallAnswers.Target target(int fd, Notification n, Pointer id, Pointer data, Pointer iovecs) {
        return new SyscallAnswers.Target() {
            @Override
            public boolean pending() {
                id.putLong(0, n.id());
                return c.ioctl(fd, SeccompNative.NOTIF_ID_VALID, id) == 0;
            }

            @Override
            public boolean write(long address, byte[] bytes) {
                if (bytes.length > data.size()) {
                    return false;
                }
                data.put(0, bytes, 0, bytes.length);
                iovecs.putLong(0, data.address());
                iovecs.putLong(8, bytes.length);
                iovecs.putLong(16, address);
                iovecs.putLong(24, bytes.length);
                return c.process_vm_writev(n.pid(), iovecs, 1, iovecs.slice(16), 1, 0) == bytes.length;
            }

            @Override
            public List<Integer> affinity() {
                return SyscallAnswers.affinityOf(proc.read(proc.root().resolve(n.pid() + "/status")));
            }
        };
    }

    @Override
    public void close() {
        closed = true;
        if (wake[1] > 0) {
            c.write(wake[1], new byte[] {1}, 1);
        }
        try {
            if (keeperConnection != null) {
                keeperConnection.close();
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "syscall views: closing the keeper connection: " + e);
        }
    }
}
