package sibyl.cluster;

import com.hazelcast.internal.util.HashUtil;

/**
 * The partition Hazelcast gives a URL, worked out without serialising it: Hazelcast hashes the
 * serialised form of a String (type id -11, the UTF-8 length, the bytes) with MurmurHash3, and
 * that costs an allocation and about 200 ns per ICP query. This writes the same bytes into a
 * buffer of the calling thread's and calls Hazelcast's own hash. ASCII keys only (URLs on the
 * wire are); {@link Ownership} checks it against Hazelcast at start and does not use it if a
 * Hazelcast version serialises differently.
 */
final class PartitionIds {
    private static final int HEADER = 12; // partition hash (not hashed), type id, length
    private final int partitionCount;
    private final ThreadLocal<byte[]> buffers = ThreadLocal.withInitial(() -> new byte[HEADER + 500]);

    PartitionIds(int partitionCount) {
        this.partitionCount = partitionCount;
    }

    /** {@code key}'s partition, or -1 when it is not pure ASCII (ask Hazelcast then). */
    int of(String key) {
        int length = key.length();
        byte[] bytes = buffers.get();
        if (bytes.length < HEADER + length) {
            bytes = new byte[Math.max(HEADER + length, bytes.length * 2)];
            buffers.set(bytes);
        }
        for (int i = 0; i < length; i++) {
            char c = key.charAt(i);
            if (c >= 0x80) {
                return -1;
            }
            bytes[HEADER + i] = (byte) c;
        }
        bytes[4] = (byte) 0xff; // the String serializer's type id, -11
        bytes[5] = (byte) 0xff;
        bytes[6] = (byte) 0xff;
        bytes[7] = (byte) 0xf5;
        bytes[8] = (byte) (length >>> 24);
        bytes[9] = (byte) (length >>> 16);
        bytes[10] = (byte) (length >>> 8);
        bytes[11] = (byte) length;
        return HashUtil.hashToIndex(HashUtil.MurmurHash3_x86_32(bytes, 8, 4 + length), partitionCount);
    }
}
