package sibyl.node.splice;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Linux's pipe2, fcntl (pipe sizes), tee, splice, write and close, bound through JNR-FFI, with
 * errno turned into {@link SpliceException}s. Every descriptor is non-blocking: a call that
 * would block returns {@link #AGAIN}, which means "when the descriptor is ready", not an error.
 *
 * <p>Load it once per node with {@link #load()}; it is empty where the calls do not exist.
 */
public final class Splice {
    private static final Logger log = LoggerFactory.getLogger(Splice.class);

    /** What a call that would block returns. */
    public static final long AGAIN = -1;

    /** splice/tee flags (fcntl.h). */
    public static final int SPLICE_F_MOVE = 1;
    public static final int SPLICE_F_NONBLOCK = 2;
    /** More data follows: set it on every piece of a response but the last (else ~200 ms of delay). */
    public static final int SPLICE_F_MORE = 4;

    private static final int O_WRONLY = 1;
    private static final int O_NONBLOCK = 0x800;
    private static final int O_CLOEXEC = 0x80000;
    private static final int F_SETPIPE_SZ = 1031;
    private static final int F_GETPIPE_SZ = 1032;
    private static final int RLIMIT_NOFILE = 7;
    private static final int SC_PAGESIZE = 30;
    private static final int EAGAIN = 11;
    private static final int EINTR = 4;

    private final LinuxCalls calls;
    private final Runtime runtime;

    private Splice(LinuxCalls calls) {
        this.calls = calls;
        this.runtime = Runtime.getRuntime(calls);
    }

    /** The binding, on Linux; empty elsewhere, or if libc cannot be bound (logged once, here). */
    public static Optional<Splice> load() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")) {
            log.info("splice(2) is Linux's: bodies stay in direct memory on {}", System.getProperty("os.name"));
            return Optional.empty();
        }
        try {
            LinuxCalls calls = LibraryLoader.create(LinuxCalls.class)
                    .option(LibraryOption.SaveError, true)
                    .load("c");
            return Optional.of(new Splice(calls));
        } catch (LinkageError | RuntimeException e) {
            log.warn("cannot bind libc's splice calls ({}): bodies stay in direct memory", e.toString());
            return Optional.empty();
        }
    }

    /** A new non-blocking pipe. */
    public Pipe pipe() throws SpliceException {
        int[] fds = new int[2];
        if (calls.pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0) {
            throw failure("pipe2");
        }
        return new Pipe(fds[0], fds[1]);
    }

    /**
     * Asks for a pipe of {@code bytes} capacity; the kernel rounds up to a power-of-two number of
     * pages. Returns the capacity granted.
     */
    public int resize(Pipe pipe, int bytes) throws SpliceException {
        int granted = calls.fcntl(pipe.writeFd(), F_SETPIPE_SZ, bytes);
        if (granted < 0) {
            throw failure("fcntl(F_SETPIPE_SZ, " + bytes + ")");
        }
        return granted;
    }

    /** The pipe's capacity in bytes. */
    public int capacity(Pipe pipe) throws SpliceException {
        int size = calls.fcntl(pipe.writeFd(), F_GETPIPE_SZ, 0);
        if (size < 0) {
            throw failure("fcntl(F_GETPIPE_SZ)");
        }
        return size;
    }

    /**
     * Copies up to {@code length} bytes from the head of pipe {@code in} into pipe {@code out}
     * without consuming them. Returns the bytes copied, 0 when {@code in} is empty and closed,
     * or {@link #AGAIN}.
     */
    public long tee(int in, int out, long length, int flags) throws SpliceException {
        return result("tee", calls.tee(in, out, length, flags | SPLICE_F_NONBLOCK));
    }

    /**
     * Moves up to {@code length} bytes from {@code in} to {@code out}, one of which is a pipe.
     * Returns the bytes moved, 0 at the end of {@code in}, or {@link #AGAIN}.
     */
    public long splice(int in, int out, long length, int flags) throws SpliceException {
        return result("splice", calls.splice(in, null, out, null, length, flags | SPLICE_F_NONBLOCK));
    }

    /** Writes {@code length} bytes at native {@code address}; returns what was written or {@link #AGAIN}. */
    public long write(int fd, long address, long length) throws SpliceException {
        return result("write", calls.write(fd, Pointer.wrap(runtime, address), length));
    }

    /** Reads up to {@code length} bytes into native {@code address}; returns what was read, 0 at the end, or {@link #AGAIN}. */
    public long read(int fd, long address, long length) throws SpliceException {
        return result("read", calls.read(fd, Pointer.wrap(runtime, address), length));
    }

    /**
     * Opens /dev/null for writing: splicing a pipe into it drops bytes without copying them (the
     * head of a stored piece a range does not want, what a transfer cut short left behind).
     */
    public int openDevNull() throws SpliceException {
        int fd = calls.open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (fd < 0) {
            throw failure("open(/dev/null)");
        }
        return fd;
    }

    /** Closes both ends; a pipe is closed exactly once, by its owner. */
    public void close(Pipe pipe) throws SpliceException {
        close(pipe.readFd());
        close(pipe.writeFd());
    }

    /** Closes one descriptor (say, a stored pipe's write end once it is filled). */
    public void close(int fd) throws SpliceException {
        if (calls.close(fd) < 0) {
            int errno = LastError.getLastError(runtime);
            if (errno != EINTR) { // Linux has closed the descriptor even then
                throw SpliceException.of("close", errno);
            }
        }
    }

    /** RLIMIT_NOFILE's current value: how many descriptors this process may have open. */
    public long openFileLimit() throws SpliceException {
        long[] limits = new long[2];
        if (calls.getrlimit(RLIMIT_NOFILE, limits) < 0) {
            throw failure("getrlimit(RLIMIT_NOFILE)");
        }
        return limits[0];
    }

    /**
     * What the kernel lets this process have in pipes: pipe-max-size, pipe-user-pages-soft (read
     * from /proc/sys/fs), the page size and RLIMIT_NOFILE.
     */
    public PipeLimits limits() throws SpliceException {
        long pageSize = calls.sysconf(SC_PAGESIZE);
        if (pageSize <= 0) {
            throw failure("sysconf(_SC_PAGESIZE)");
        }
        return new PipeLimits(procValue("pipe-max-size", 1 << 20), procValue("pipe-user-pages-soft", 16384),
                (int) pageSize, openFileLimit(), exemptFromPipeLimits());
    }

    /** CAP_SYS_RESOURCE (24) or CAP_SYS_ADMIN (21) in the effective set: what pipe_is_unprivileged_user() checks. */
    private static boolean exemptFromPipeLimits() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    long capabilities = Long.parseUnsignedLong(line.substring(7).strip(), 16);
                    return (capabilities & (1L << 24 | 1L << 21)) != 0;
                }
            }
        } catch (IOException | RuntimeException e) {
            log.debug("cannot read capabilities from /proc/self/status: {}", e.toString());
        }
        return false;
    }

    /** A /proc/sys/fs value, or the kernel's default when it cannot be read (logged). */
    private static long procValue(String name, long kernelDefault) {
        Path path = Path.of("/proc/sys/fs", name);
        try {
            // readAllLines, not readString: procfs reports a size of 0 and readString came back with "1".
            return Long.parseLong(Files.readAllLines(path).get(0).strip());
        } catch (IOException | RuntimeException e) {
            log.warn("cannot read {} ({}): assuming Linux's default {}", path, e.toString(), kernelDefault);
            return kernelDefault;
        }
    }

    private long result(String call, long result) throws SpliceException {
        if (result >= 0) {
            return result;
        }
        int errno = LastError.getLastError(runtime);
        if (errno == EAGAIN) {
            return AGAIN;
        }
        throw SpliceException.of(call, errno);
    }

    private SpliceException failure(String call) {
        return SpliceException.of(call, LastError.getLastError(runtime));
    }
}
