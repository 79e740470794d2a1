package sibyl.node.splice;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.Out;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/**
 * The libc calls the spliced store makes, as JNR-FFI binds them; errno is saved after each.
 * Public only because JNR-FFI generates the implementation in a class loader of its own; use
 * {@link Splice}.
 */
public interface LinuxCalls {
    int pipe2(@Out int[] fds, int flags);

    int fcntl(int fd, int command, int argument);

    @ssize_t long tee(int in, int out, @size_t long length, int flags);

    @ssize_t long splice(int in, Pointer inOffset, int out, Pointer outOffset, @size_t long length, int flags);

    @ssize_t long write(int fd, Pointer buffer, @size_t long count);

    @ssize_t long read(int fd, Pointer buffer, @size_t long count);

    int open(String path, int flags);

    long sysconf(int name);

    int close(int fd);

    /** {@code struct rlimit} is two {@code rlim_t} (unsigned long): current, then maximum. */
    int getrlimit(int resource, @Out long[] limits);
}
