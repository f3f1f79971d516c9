package dev.berth.viewfs.fuse;

import dev.berth.viewfs.caller.Caller;
import dev.berth.viewfs.caller.CallerResolver;
import jnr.ffi.Pointer;
import ru.serce.jnrfuse.ErrorCodes;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The read-only FUSE file system. Content is computed once per open for the opening process and
 * kept with the file handle, so a reader that reads in pieces sees one consistent snapshot, as
 * with procfs's seq_file. It must be mounted with direct_io: otherwise the kernel's page cache
 * would hand one caller's content to the next.
 */
public final class ViewFs extends FuseStubFS {
    /**
     * Mount options, {@code fsName} the mount's source (see RestartHealer); ro also makes the kernel
     * refuse writes before they reach us. -s: libfuse 2's multi-threaded loop starts and ends workers
     * as load varies, and each new thread attaches to the JVM on its first callback, which cost more
     * than serving the request (bench/viewfs.sh: meminfo p50 114 → 58 µs, 50 readers 6.5k → 12.6k reads/s).
     */
    public static String[] mountOptions(String fsName) {
        return new String[] {"-s", "-o", "direct_io,allow_other,ro,attr_timeout=0,entry_timeout=0,fsname=" + fsName + ",subtype=viewfs"};
    }

    private static final System.Logger LOG = System.getLogger(ViewFs.class.getName());
    private static final int O_ACCMODE = 3;

    private final ViewFiles files;
    private final CallerResolver callers;
    /** Directory path to its entries, derived from the file list. */
    private final Map<String, Set<String>> dirs = new TreeMap<>();
    private final Map<Long, byte[]> open = new ConcurrentHashMap<>();
    private final AtomicLong handles = new AtomicLong();
    /** The last content getattr rendered per thread; open takes it (see contentFor). */
    private final Map<Integer, Rendered> rendered = new ConcurrentHashMap<>();
    private static final long RENDERED_FRESH_NANOS = 20_000_000L;
    private final CountDownLatch initialized = new CountDownLatch(1);

    private record Rendered(String path, byte[] content, long at) {
    }

    public ViewFs(ViewFiles files, CallerResolver callers) {
        this.files = files;
        this.callers = callers;
        for (String f : files.files()) {
            String child = f;
            for (int slash = f.lastIndexOf('/'); slash >= 0; slash = child.lastIndexOf('/')) {
                String parent = slash == 0 ? "/" : child.substring(0, slash);
                dirs.computeIfAbsent(parent, k -> new TreeSet<>()).add(child.substring(slash + 1));
                if (slash == 0) {
                    break;
                }
                child = parent;
            }
        }
    }

    /** libfuse calls this once the kernel has the mount, before it serves any request. */
    @Override
    public Pointer init(Pointer conn) {
        initialized.countDown();
        return super.init(conn);
    }

    /**
     * Waits until the file system is mounted and about to serve; false on timeout. jnr-fuse's
     * non-blocking mount always waits 2 s instead, which a restart must not add to the time its
     * containers' reads fail.
     */
    public boolean awaitMounted(long timeout, TimeUnit unit) throws InterruptedException {
        return initialized.await(timeout, unit);
    }

    @Override
    public int getattr(String path, FileStat stat) {
        if (dirs.containsKey(path)) {
            stat.st_mode.set(FileStat.S_IFDIR | 0555);
            stat.st_nlink.set(2);
            return 0;
        }
        if (files.files().contains(path)) {
            // The size of this caller's content, as lxcfs does: sendfile(2) (busybox cat) reads a
            // direct_io file only up to i_size, and procfs's size 0 would give it nothing. attr_timeout=0
            // keeps one caller's size from being cached for the next.
            stat.st_mode.set(FileStat.S_IFREG | 0444);
            stat.st_nlink.set(1);
            int tid = (int) getContext().pid.get();
            try {
                byte[] content = files.render(path, callers.resolve(tid));
                rendered.put(tid, new Rendered(path, content, System.nanoTime()));
                stat.st_size.set(content.length);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "viewfs getattr " + path + " for thread " + tid + ": " + e, e);
                return -ErrorCodes.EIO();
            }
            return 0;
        }
        return -ErrorCodes.ENOENT();
    }

    @Override
    public int readdir(String path, Pointer buf, FuseFillDir filter, long offset, FuseFileInfo fi) {
        Set<String> entries = dirs.get(path);
        if (entries == null) {
            return -ErrorCodes.ENOENT();
        }
        filter.apply(buf, ".", null, 0);
        filter.apply(buf, "..", null, 0);
        for (String e : entries) {
            filter.apply(buf, e, null, 0);
        }
        return 0;
    }

    @Override
    public int open(String path, FuseFileInfo fi) {
        if (!files.files().contains(path)) {
            return dirs.containsKey(path) ? -ErrorCodes.EISDIR() : -ErrorCodes.ENOENT();
        }
        if ((fi.flags.get() & O_ACCMODE) != 0) {
            return -ErrorCodes.EACCES();
        }
        int tid = (int) getContext().pid.get();
        try {
            long h = handles.incrementAndGet();
            open.put(h, contentFor(path, tid));
            fi.fh.set(h);
            return 0;
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "viewfs open " + path + " for thread " + tid + ": " + e, e);
            return -ErrorCodes.EIO();
        }
    }

    /**
     * The content an open serves: what the lookup just before it rendered for the same thread, when
     * that is fresh, so one open+read renders once; otherwise rendered now.
     */
    private byte[] contentFor(String path, int tid) {
        Rendered r = rendered.remove(tid);
        if (r != null && r.path.equals(path) && System.nanoTime() - r.at < RENDERED_FRESH_NANOS) {
            return r.content;
        }
        Caller caller = callers.resolve(tid);
        return files.render(path, caller);
    }

    @Override
    public int read(String path, Pointer buf, long size, long offset, FuseFileInfo fi) {
        byte[] content = open.get(fi.fh.get());
        if (content == null) {
            return -ErrorCodes.EBADF();
        }
        if (offset >= content.length) {
            return 0;
        }
        int n = (int) Math.min(size, content.length - offset);
        buf.put(0, content, (int) offset, n);
        return n;
    }

    @Override
    public int release(String path, FuseFileInfo fi) {
        open.remove(fi.fh.get());
        return 0;
    }

    /** Files open right now; a test's way to see that handles are released. */
    public int openCount() {
        return open.size();
    }
}
