package dev.berth.viewfs.fuse;

import dev.berth.viewfs.caller.Caller;
import dev.berth.viewfs.caller.CallerResolver;
import jnr.ffi.Pointer;
import jnr.ffi.Struct;
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
 * with procfs's seq_file. Files at the root are opened direct_io: every viewer shares their
 * inodes, and the kernel's page cache would hand one caller's content to the next. A container's
 * copy has one viewer, so its files go through the page cache, which answers the read at EOF from
 * the size without a round trip (3 per open+read+close instead of 4).
 */
public final class ViewFs extends FuseStubFS {
    /**
     * Mount options, {@code fsName} the mount's source (see RestartHealer); ro also makes the kernel
     * refuse writes before they reach us. -s: libfuse 2's multi-threaded loop starts and ends workers
     * as load varies, and each new thread attaches to the JVM on its first callback, which cost more
     * than serving the request (bench/viewfs.sh: meminfo p50 114 → 58 µs, 50 readers 6.5k → 12.6k reads/s).
     */
    public static String[] mountOptions(String fsName) {
        return new String[] {"-s", "-o", "allow_other,ro,default_permissions,attr_timeout=0.001,entry_timeout=0,fsname="
                + fsName + ",subtype=viewfs"};
    }

    /**
     * Below this directory every name is a copy of the tree ({@code /containers/NAME/proc/meminfo} ...),
     * and berthd binds each container's files from its own NAME. The content still follows the caller,
     * never the name; what a copy gives is inodes of its own. sendfile(2) and splice (busybox cat and
     * cp) read a direct_io file through the page cache up to i_size, and i_size and the page cache
     * belong to the inode: shared by all containers, one container's size cut another's copy, and one
     * container's cached pages could be spliced to another.
     */
    public static final String CONTAINERS = "/containers";

    private static final System.Logger LOG = System.getLogger(ViewFs.class.getName());
    private static final int O_ACCMODE = 3;
    private static final long DIRECT_IO_WORD_OFFSET = 20;

    private final ViewFiles files;
    private final CallerResolver callers;
    /** Directory path to its entries, derived from the file list. */
    private final Map<String, Set<String>> dirs = new TreeMap<>();
    private final Map<Long, byte[]> open = new ConcurrentHashMap<>();
    private final AtomicLong handles = new AtomicLong();
    /** Per served path (inode), the content whose length getattr last reported, and for whom. */
    private final Map<String, Sized> sized = new ConcurrentHashMap<>();
    /**
     * How long an open serves the content its inode's size was taken from. default_permissions makes
     * the kernel refresh the attributes (a GETATTR) at an open once they expired; attr_timeout=0.001
     * lets them live one jiffy (a zero timeout would cost a GETATTR at every open, +15 µs a read), so
     * an open that brings no getattr follows one by at most two jiffies (20 ms at HZ=100).
     */
    private static final long SIZED_FRESH_NANOS = 50_000_000L;
    private static final long SIZED_SWEEP_NANOS = 1_000_000_000L;
    private volatile long lastSizedSweep = System.nanoTime();
    private final CountDownLatch initialized = new CountDownLatch(1);

    private record Sized(String viewer, byte[] content, long at) {
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
        String file = served(path);
        if (path.equals(CONTAINERS) || file != null && dirs.containsKey(file)) {
            stat.st_mode.set(FileStat.S_IFDIR | 0555);
            stat.st_nlink.set(2);
            return 0;
        }
        if (file != null && files.files().contains(file)) {
            // The size of this caller's content, as lxcfs does (procfs's size 0 would give a splice
            // reader nothing); the open that follows serves the same content (contentFor).
            stat.st_mode.set(FileStat.S_IFREG | 0444);
            stat.st_nlink.set(1);
            int tid = (int) getContext().pid.get();
            try {
                Caller caller = callers.resolve(tid);
                byte[] content = files.render(file, caller);
                long now = System.nanoTime();
                sized.put(path, new Sized(ViewFiles.viewer(caller), content, now));
                if (now - lastSizedSweep > SIZED_SWEEP_NANOS) {
                    lastSizedSweep = now;
                    sized.values().removeIf(old -> now - old.at >= SIZED_FRESH_NANOS);
                }
                stat.st_size.set(content.length);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "viewfs getattr " + path + " for thread " + tid + ": " + e, e);
                return -ErrorCodes.EIO();
            }
            return 0;
        }
        return -ErrorCodes.ENOENT();
    }

    /**
     * The served path {@code path} stands for: itself, or below {@link #CONTAINERS}/NAME the rest
     * ("/" for NAME itself; {@code CONTAINERS} is listed in the root only); null for none.
     */
    static String served(String path) {
        if (path.equals(CONTAINERS)) {
            return null;
        }
        if (!path.startsWith(CONTAINERS + "/")) {
            return path;
        }
        int slash = path.indexOf('/', CONTAINERS.length() + 1);
        String rest = slash < 0 ? "/" : path.substring(slash);
        return rest.equals(CONTAINERS) || rest.startsWith(CONTAINERS + "/") ? null : rest;
    }

    @Override
    public int readdir(String path, Pointer buf, FuseFillDir filter, long offset, FuseFileInfo fi) {
        String dir = served(path);
        Set<String> entries = path.equals(CONTAINERS) ? Set.of() : dir == null ? null : dirs.get(dir);
        if (entries == null) {
            return -ErrorCodes.ENOENT();
        }
        filter.apply(buf, ".", null, 0);
        filter.apply(buf, "..", null, 0);
        if (path.equals("/")) {
            filter.apply(buf, CONTAINERS.substring(1), null, 0);
        }
        for (String e : entries) {
            filter.apply(buf, e, null, 0);
        }
        return 0;
    }

    @Override
    public int open(String path, FuseFileInfo fi) {
        String file = served(path);
        if (file == null || !files.files().contains(file)) {
            return path.equals(CONTAINERS) || file != null && dirs.containsKey(file) ? -ErrorCodes.EISDIR() : -ErrorCodes.ENOENT();
        }
        if ((fi.flags.get() & O_ACCMODE) != 0) {
            return -ErrorCodes.EACCES();
        }
        int tid = (int) getContext().pid.get();
        try {
            long h = handles.incrementAndGet();
            open.put(h, contentFor(path, file, callers.resolve(tid)));
            fi.fh.set(h);
            if (!path.startsWith(CONTAINERS + "/")) {
                setDirectIo(fi);
            }
            return 0;
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "viewfs open " + path + " for thread " + tid + ": " + e, e);
            return -ErrorCodes.EIO();
        }
    }

    /**
     * The content an open serves: the content the inode's size was last taken from, when that was for
     * the same viewer and is fresh, so the size a splice reader is held to fits what it reads;
     * otherwise rendered now.
     */
    private byte[] contentFor(String path, String file, Caller caller) {
        Sized s = sized.get(path);
        if (s != null && s.viewer.equals(ViewFiles.viewer(caller)) && System.nanoTime() - s.at < SIZED_FRESH_NANOS) {
            return s.content;
        }
        return files.render(file, caller);
    }

    /**
     * Sets fuse_file_info's direct_io bit: bit 0 of the bit-field word at offset 20 in libfuse 2.9's
     * layout on LP64 (int flags, unsigned long fh_old, int writepage, then the bits). jnr-fuse maps
     * the bits as single bytes from offset 16, where writepage is.
     */
    private static void setDirectIo(FuseFileInfo fi) {
        Pointer memory = Struct.getMemory(fi);
        memory.putInt(DIRECT_IO_WORD_OFFSET, memory.getInt(DIRECT_IO_WORD_OFFSET) | 1);
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
