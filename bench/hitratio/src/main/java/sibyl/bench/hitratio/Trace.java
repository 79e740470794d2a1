package sibyl.bench.hitratio;

import java.io.IOException;

/** Requests for objects, each an id and a size, that can be replayed from the start as often as wanted. */
interface Trace {

    /** One pass over a trace's requests. */
    interface Requests extends AutoCloseable {
        /** Moves to the next request; false at the end. */
        boolean next() throws IOException;

        /** The object the current request asks for. */
        long id();

        /** Its size in bytes. */
        long size();

        @Override
        void close() throws IOException;
    }

    /** What the trace is, as the results name it. */
    String name();

    /** A new pass from the first request. */
    Requests open() throws IOException;

    /**
     * Requests in a natural window of the trace (a round of the shifting sets), for which hits are
     * counted apart; 0 when it has none.
     */
    default int window() {
        return 0;
    }

    /** Windows in a group of them (the rounds of one set), for the results' layout; 0 for no groups. */
    default int windowsPerGroup() {
        return 0;
    }
}
