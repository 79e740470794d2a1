package sibyl.node.cache.replacement;

import java.util.function.Predicate;

/**
 * A simulation's residents by hash: open addressing with linear probing, so that looking one up
 * boxes nothing. Hash 0 is never a key ({@link Replacement#hash} avoids it). Not thread-safe.
 */
final class ResidentTable {
    private long[] hashes = new long[64];
    private Resident[] residents = new Resident[64];
    private int size;

    int size() {
        return size;
    }

    Resident get(long hash) {
        int mask = hashes.length - 1;
        for (int i = slot(hash, mask); ; i = (i + 1) & mask) {
            if (hashes[i] == hash) {
                return residents[i];
            }
            if (hashes[i] == 0) {
                return null;
            }
        }
    }

    /** Adds {@code resident}, whose hash must not be in the table. */
    void put(Resident resident) {
        if ((size + 1) * 4L > hashes.length * 3L) {
            grow();
        }
        insert(resident);
        size++;
    }

    void remove(long hash) {
        int mask = hashes.length - 1;
        int i = slot(hash, mask);
        while (hashes[i] != hash) {
            if (hashes[i] == 0) {
                return;
            }
            i = (i + 1) & mask;
        }
        // Shift back the entries after it that probed past it, so every probe still finds them.
        int hole = i;
        for (int j = (hole + 1) & mask; hashes[j] != 0; j = (j + 1) & mask) {
            int home = slot(hashes[j], mask);
            if (((j - home) & mask) >= ((j - hole) & mask)) {
                hashes[hole] = hashes[j];
                residents[hole] = residents[j];
                hole = j;
            }
        }
        hashes[hole] = 0;
        residents[hole] = null;
        size--;
    }

    /** Removes every resident {@code drop} accepts. */
    void removeIf(Predicate<Resident> drop) {
        long[] oldHashes = hashes;
        Resident[] oldResidents = residents;
        hashes = new long[oldHashes.length];
        residents = new Resident[oldResidents.length];
        size = 0;
        for (int i = 0; i < oldHashes.length; i++) {
            if (oldHashes[i] != 0 && !drop.test(oldResidents[i])) {
                insert(oldResidents[i]);
                size++;
            }
        }
    }

    private void grow() {
        long[] oldHashes = hashes;
        Resident[] oldResidents = residents;
        hashes = new long[oldHashes.length * 2];
        residents = new Resident[oldResidents.length * 2];
        for (int i = 0; i < oldHashes.length; i++) {
            if (oldHashes[i] != 0) {
                insert(oldResidents[i]);
            }
        }
    }

    private void insert(Resident resident) {
        int mask = hashes.length - 1;
        int i = slot(resident.hash, mask);
        while (hashes[i] != 0) {
            i = (i + 1) & mask;
        }
        hashes[i] = resident.hash;
        residents[i] = resident;
    }

    private static int slot(long hash, int mask) {
        return (int) (hash ^ (hash >>> 32)) & mask;
    }
}
