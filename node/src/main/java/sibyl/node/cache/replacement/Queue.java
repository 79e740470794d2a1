package sibyl.node.cache.replacement;

/**
 * A queue of residents, least recently used first, and the weight they add up to: the links live
 * in the residents themselves, so moving one costs no allocation.
 */
final class Queue {
    private final Resident head = new Resident(0) {};
    private long weight;
    private int size;

    Queue() {
        head.previous = head;
        head.next = head;
    }

    long weight() {
        return weight;
    }

    int size() {
        return size;
    }

    /** The least recently used, or null. */
    Resident first() {
        return head.next == head ? null : head.next;
    }

    /** The one used after {@code resident}, or null. */
    Resident after(Resident resident) {
        return resident.next == head ? null : resident.next;
    }

    /** Appends {@code resident}, which must be in no queue, as the most recently used. */
    void addLast(Resident resident) {
        resident.previous = head.previous;
        resident.next = head;
        head.previous.next = resident;
        head.previous = resident;
        resident.queue = this;
        weight += resident.weight;
        size++;
    }

    /** Takes {@code resident} out of this queue. */
    void remove(Resident resident) {
        resident.previous.next = resident.next;
        resident.next.previous = resident.previous;
        resident.previous = null;
        resident.next = null;
        resident.queue = null;
        weight -= resident.weight;
        size--;
    }

    /** Makes {@code resident}, in this queue, the most recently used. */
    void moveToLast(Resident resident) {
        if (head.previous != resident) {
            remove(resident);
            addLast(resident);
        }
    }

    /** Changes the weight counted for {@code resident}, in this queue. */
    void reweigh(Resident resident, long newWeight) {
        weight += newWeight - resident.weight;
        resident.weight = newWeight;
    }
}
