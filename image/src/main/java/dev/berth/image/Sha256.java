package dev.berth.image;

import dev.berth.oci.spec.image.Digest;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.Pinned;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * SHA-256 for blobs and diff ids: the system's libcrypto where it loads, the JDK's otherwise. berthd runs
 * C1 only (see its launcher), and C1 has no SHA-256 intrinsic: the JDK's digest runs at ~130 MB/s there,
 * libcrypto at the CPU's speed (SHA extensions, ~2 GB/s). Both are {@link MessageDigest}s named "SHA-256",
 * so {@link Digest#sha256Of} takes either.
 */
public final class Sha256 {
    /** The libcrypto calls; SHA256_CTX is 112 bytes on 64-bit, allocated larger. */
    public interface Native {
        int SHA256_Init(Pointer ctx);

        int SHA256_Update(Pointer ctx, @Pinned @In ByteBuffer data, long len);

        int SHA256_Final(@Out byte[] md, Pointer ctx);
    }

    private static final int CTX_BYTES = 256;
    /** Small updates (tar headers, single bytes) are gathered so a native call hashes at least this much. */
    private static final int BATCH = 16 << 10;
    private static final String KNOWN_INPUT = "abc";
    private static final String KNOWN_DIGEST = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    private static final Native LIB = load();

    private Sha256() {}

    /** A new digest; libcrypto-backed when {@link #isNative()}. */
    public static MessageDigest newDigest() {
        return LIB == null ? Digest.newSha256() : new Libcrypto(LIB);
    }

    /** Whether digests come from libcrypto (false: the JDK's, libcrypto missing or not answering right). */
    public static boolean isNative() {
        return LIB != null;
    }

    /** libcrypto, or null when it is missing or its answer to a known input is wrong. */
    private static Native load() {
        for (String name : new String[] {"crypto", "libcrypto.so.3"}) {
            try {
                Native lib = LibraryLoader.create(Native.class).failImmediately().load(name);
                MessageDigest probe = new Libcrypto(lib);
                probe.update(KNOWN_INPUT.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                if (HexFormat.of().formatHex(probe.digest()).equals(KNOWN_DIGEST)) {
                    return lib;
                }
            } catch (RuntimeException | LinkageError e) {
                // next name, then the JDK's digest
            }
        }
        System.getLogger(Sha256.class.getName()).log(System.Logger.Level.INFO,
                "libcrypto not usable: SHA-256 uses the JDK's digest");
        return null;
    }

    private static final class Libcrypto extends MessageDigest {
        private final Native lib;
        private final Pointer ctx;
        private final byte[] batch = new byte[BATCH];
        private int batched;

        Libcrypto(Native lib) {
            super("SHA-256");
            this.lib = lib;
            // Freed by the GC with this digest.
            this.ctx = Memory.allocateDirect(Runtime.getRuntime(lib), CTX_BYTES);
            engineReset();
        }

        @Override
        protected int engineGetDigestLength() {
            return 32;
        }

        @Override
        protected void engineUpdate(byte input) {
            if (batched == BATCH) flush();
            batch[batched++] = input;
        }

        @Override
        protected void engineUpdate(byte[] input, int offset, int len) {
            if (len < BATCH - batched) {
                System.arraycopy(input, offset, batch, batched, len);
                batched += len;
                return;
            }
            flush();
            call(lib.SHA256_Update(ctx, ByteBuffer.wrap(input, offset, len), len), "SHA256_Update");
        }

        @Override
        protected byte[] engineDigest() {
            flush();
            byte[] md = new byte[32];
            call(lib.SHA256_Final(md, ctx), "SHA256_Final");
            engineReset();
            return md;
        }

        @Override
        protected void engineReset() {
            batched = 0;
            call(lib.SHA256_Init(ctx), "SHA256_Init");
        }

        private void flush() {
            if (batched > 0) {
                call(lib.SHA256_Update(ctx, ByteBuffer.wrap(batch, 0, batched), batched), "SHA256_Update");
                batched = 0;
            }
        }

        private static void call(int rc, String what) {
            if (rc != 1) {
                throw new IllegalStateException("libcrypto " + what + " failed");
            }
        }
    }
}
