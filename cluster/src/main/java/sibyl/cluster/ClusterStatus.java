package sibyl.cluster;

import java.util.List;
import java.util.UUID;

/**
 * One member's view of its cluster: the members it sees live, oldest first, with the claims it
 * counts for each; and members it still holds claims of but no longer sees (about to be
 * forgotten).
 *
 * @param cluster the cluster's name
 * @param self this member's id
 * @param draining whether this node is stopping
 * @param members the live members as this one sees them
 * @param claimsOfGone claims still held for members that left
 */
public record ClusterStatus(String cluster, UUID self, boolean draining, List<Member> members, long claimsOfGone) {

    /** A live member and the URLs it has claimed. */
    public record Member(MemberInfo info, long claims) {}

    public ClusterStatus {
        members = List.copyOf(members);
    }

    /** As JSON, for tools. */
    public String toJson() {
        StringBuilder json = new StringBuilder("{\"cluster\":").append(quote(cluster))
                .append(",\"self\":").append(quote(self.toString()))
                .append(",\"draining\":").append(draining)
                .append(",\"claims_of_members_gone\":").append(claimsOfGone)
                .append(",\"members\":[");
        for (int i = 0; i < members.size(); i++) {
            Member member = members.get(i);
            MemberInfo info = member.info();
            json.append(i == 0 ? "" : ",").append("{\"id\":").append(quote(info.id().toString()))
                    .append(",\"name\":").append(quote(info.name()))
                    .append(",\"cluster_address\":").append(quote(info.cluster()))
                    .append(",\"http_address\":").append(quote(info.http()))
                    .append(",\"claims\":").append(member.claims())
                    .append(",\"self\":").append(info.id().equals(self))
                    .append('}');
        }
        return json.append("]}").toString();
    }

    /** As text, one member a line, the way Squid's manager pages read. */
    public String toText() {
        StringBuilder text = new StringBuilder("cluster ").append(cluster).append(": ").append(members.size())
                .append(members.size() == 1 ? " member" : " members")
                .append(draining ? " (this node is draining)" : "").append('\n');
        text.append(String.format("%-2s %-20s %-22s %-22s %10s  %s%n", "", "name", "cluster address", "http address",
                "claims", "id"));
        for (Member member : members) {
            MemberInfo info = member.info();
            text.append(String.format("%-2s %-20s %-22s %-22s %10d  %s%n", info.id().equals(self) ? "*" : "",
                    info.name(), info.cluster(), info.http(), member.claims(), info.id()));
        }
        if (claimsOfGone > 0) {
            text.append(claimsOfGone).append(" claims of members that left, ignored until removed\n");
        }
        return text.toString();
    }

    private static String quote(String value) {
        StringBuilder quoted = new StringBuilder("\"");
        for (char c : String.valueOf(value).toCharArray()) {
            switch (c) {
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        quoted.append(String.format("\\u%04x", (int) c));
                    } else {
                        quoted.append(c);
                    }
                }
            }
        }
        return quoted.append('"').toString();
    }
}
