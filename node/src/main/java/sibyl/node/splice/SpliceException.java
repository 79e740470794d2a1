package sibyl.node.splice;

import java.io.IOException;

/**
 * A splice-family call failed with {@code errno}. Subclasses name the failures callers act on
 * differently; EAGAIN is never one: it is {@link Splice#AGAIN}, "later".
 */
public class SpliceException extends IOException {
    private static final long serialVersionUID = 1L;

    static final int EPERM = 1;
    static final int EBADF = 9;
    static final int ENOMEM = 12;
    static final int EBUSY = 16;
    static final int EINVAL = 22;
    static final int EMFILE = 24;
    static final int ENFILE = 23;
    static final int EPIPE = 32;
    static final int ECONNRESET = 104;

    private final String call;
    private final int errno;

    SpliceException(String call, int errno, String why) {
        super(call + ": " + why + (errno == 0 ? "" : " (errno " + errno + ")"));
        this.call = call;
        this.errno = errno;
    }

    /** The specific exception for {@code errno} from {@code call}. */
    static SpliceException of(String call, int errno) {
        return switch (errno) {
            case EBADF -> new ClosedDescriptorException(call, errno);
            case EPIPE, ECONNRESET -> new PeerGoneException(call, errno);
            case EMFILE, ENFILE -> new DescriptorLimitException(call, errno);
            case EPERM, EBUSY, ENOMEM -> new SpliceException(call, errno, errno == EPERM
                    ? "not permitted (a pipe larger than fs.pipe-max-size, or past fs.pipe-user-pages-soft)"
                    : errno == EBUSY ? "the pipe holds more than the size asked" : "out of memory");
            case EINVAL -> new SpliceException(call, errno, "invalid argument (a descriptor of the wrong kind?)");
            default -> new SpliceException(call, errno, "failed");
        };
    }

    /** The call that failed: "splice", "tee", "pipe2", ... */
    public String call() {
        return call;
    }

    public int errno() {
        return errno;
    }

    /** The kernel gave less than asked without an error: a smaller pipe, a short write into an empty one. */
    public static final class Shortfall extends SpliceException {
        private static final long serialVersionUID = 1L;

        public Shortfall(String call) {
            super(call, 0, "the kernel gave less than asked");
        }
    }

    /** EBADF: the descriptor was closed; a bug in who owns it, never something to retry. */
    public static final class ClosedDescriptorException extends SpliceException {
        private static final long serialVersionUID = 1L;

        ClosedDescriptorException(String call, int errno) {
            super(call, errno, "bad file descriptor");
        }
    }

    /** EPIPE or ECONNRESET: the client went away; end the response, quietly. */
    public static final class PeerGoneException extends SpliceException {
        private static final long serialVersionUID = 1L;

        PeerGoneException(String call, int errno) {
            super(call, errno, "the peer closed the connection");
        }
    }

    /** EMFILE or ENFILE: out of file descriptors; store bodies elsewhere. */
    public static final class DescriptorLimitException extends SpliceException {
        private static final long serialVersionUID = 1L;

        DescriptorLimitException(String call, int errno) {
            super(call, errno, "out of file descriptors");
        }
    }
}
