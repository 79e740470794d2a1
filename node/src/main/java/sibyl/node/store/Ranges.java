package sibyl.node.store;

/** The check every {@link StoredBody#writeRange} makes first. */
final class Ranges {
    private Ranges() {}

    /** @throws IndexOutOfBoundsException unless {@code [offset, offset + length)} is within a body of {@code bodyLength} */
    static void check(long bodyLength, long offset, long length) {
        if (offset < 0 || length < 0 || offset + length > bodyLength) {
            throw new IndexOutOfBoundsException("range " + offset + "+" + length + " of a " + bodyLength + "-byte body");
        }
    }
}
