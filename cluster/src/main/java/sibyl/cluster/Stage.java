package sibyl.cluster;

/** Where a node is in its life as a member, as its ICP answers follow it. */
public enum Stage {
    /** Answering for its URLs. */
    SERVING,
    /**
     * Draining, first part: it hands its most requested URLs to the members that take them
     * over, and answers HIT only for what it still holds.
     */
    HANDING_OFF,
    /** Draining, last part: ICP_OP_MISS_NOFETCH to everything, until it has left. */
    LEAVING
}
