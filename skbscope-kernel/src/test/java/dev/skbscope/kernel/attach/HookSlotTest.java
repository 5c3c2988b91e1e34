package dev.skbscope.kernel.attach;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The attach plan: one program per hook where nothing runs inside it, brackets only where stages run. */
class HookSlotTest {

    private static List<String> plan(boolean ct, boolean nat) {
        return plan(ct, nat, true);
    }

    private static List<String> plan(boolean ct, boolean nat, boolean inputLast) {
        return plan(ct, nat, inputLast, true);
    }

    private static List<String> plan(boolean ct, boolean nat, boolean inputLast, boolean postFirst) {
        return plan(ct, nat, inputLast, postFirst, true);
    }

    private static List<String> plan(boolean ct, boolean nat, boolean inputLast, boolean postFirst, boolean preFirst) {
        return HookSlot.plan(ct, nat, inputLast, postFirst, preFirst).stream().map(HookSlot.Link::toString).toList();
    }

    @Test
    void aNamespaceWithoutConntrackOrNatGetsEachHooksFirstAndInputsLast() {
        assertThat(plan(false, false)).containsExactly("PREROUTING/first", "INPUT/first", "FORWARD/first",
                "OUTPUT/first", "POSTROUTING/first", "INPUT/last");
    }

    @Test
    void aNamespaceWhereNothingElseRunsAtInputGetsOneProgramThere() {
        assertThat(plan(false, false, false)).containsExactly("PREROUTING/first", "INPUT/first", "FORWARD/first",
                "OUTPUT/first", "POSTROUTING/first");
    }

    @Test
    void aNamespaceWhereNothingElseRunsAtPostroutingGetsNoProgramThere() {
        assertThat(plan(false, false, false, false)).containsExactly("PREROUTING/first", "INPUT/first", "FORWARD/first",
                "OUTPUT/first");
        // NAT registers at POSTROUTING: its hook and brackets are linked whatever the flag says
        assertThat(plan(true, true, true, false)).contains("POSTROUTING/first", "POSTROUTING/snat_begin");
    }

    @Test
    void aNamespaceWhereNothingElseRunsAtPreroutingGetsNoProgramThere() {
        assertThat(plan(false, false, false, false, false)).containsExactly("INPUT/first", "FORWARD/first", "OUTPUT/first");
        // conntrack and NAT register at PREROUTING: its first program and brackets are linked whatever the flag says
        assertThat(plan(true, false, true, true, false)).contains("PREROUTING/first", "PREROUTING/conntrack_begin");
        assertThat(plan(false, true, true, true, false)).contains("PREROUTING/first", "PREROUTING/dnat_begin");
    }

    @Test
    void preroutingsFirstIsLinkedUntilTheHookTablesWereReadAndWhereSomethingElseRunsThere() {
        assertThat(NamespaceAttacher.preFirst(0)).isTrue();
        assertThat(NamespaceAttacher.preFirst(NamespaceAttacher.SEEN_CHECKED)).isFalse();
        assertThat(NamespaceAttacher.preFirst(NamespaceAttacher.SEEN_CHECKED | NamespaceAttacher.SEEN_PRE)).isTrue();
        assertThat(NamespaceAttacher.preFirst(NamespaceAttacher.SEEN_CHECKED | NamespaceAttacher.SEEN_CONNTRACK)).isTrue();
        assertThat(NamespaceAttacher.preFirst(NamespaceAttacher.SEEN_CHECKED | NamespaceAttacher.SEEN_NAT)).isTrue();
    }

    @Test
    void postroutingsFirstIsLinkedUntilTheHookTablesWereReadAndWhereSomethingElseRunsThere() {
        assertThat(NamespaceAttacher.postFirst(0)).isTrue();
        assertThat(NamespaceAttacher.postFirst(NamespaceAttacher.SEEN_CHECKED)).isFalse();
        assertThat(NamespaceAttacher.postFirst(NamespaceAttacher.SEEN_CHECKED | NamespaceAttacher.SEEN_POST)).isTrue();
        assertThat(NamespaceAttacher.postFirst(NamespaceAttacher.SEEN_CHECKED | NamespaceAttacher.SEEN_NAT)).isTrue();
    }

    @Test
    void inputsLastIsLinkedUntilTheHookTablesWereReadAndWhereSomethingElseRunsAtInput() {
        assertThat(NamespaceAttacher.inputLast(0)).isTrue();
        assertThat(NamespaceAttacher.inputLast(NamespaceAttacher.SEEN_CHECKED)).isFalse();
        assertThat(NamespaceAttacher.inputLast(NamespaceAttacher.SEEN_CHECKED | NamespaceAttacher.SEEN_INPUT)).isTrue();
    }

    @Test
    void conntrackAddsItsBracketsAndPreroutingsLast() {
        assertThat(plan(true, false)).containsAll(plan(false, false))
                .contains("PREROUTING/conntrack_begin", "PREROUTING/conntrack_end", "PREROUTING/last")
                .doesNotContain("PREROUTING/dnat_begin", "POSTROUTING/snat_begin");
    }

    @Test
    void natAddsDnatAndSnatBrackets() {
        assertThat(plan(true, true)).contains("PREROUTING/dnat_begin", "PREROUTING/dnat_end", "POSTROUTING/snat_begin",
                "POSTROUTING/snat_end");
    }

    @Test
    void bracketsSitJustAroundTheStagesAndFirstAndLastInsideTheKernelsOwnPriorities() {
        assertThat(HookSlot.CONNTRACK_BEGIN.priority()).isEqualTo(-201);
        assertThat(HookSlot.CONNTRACK_END.priority()).isEqualTo(-199);
        assertThat(HookSlot.DNAT_BEGIN.priority()).isEqualTo(-101);
        assertThat(HookSlot.DNAT_END.priority()).isEqualTo(-99);
        assertThat(HookSlot.SNAT_BEGIN.priority()).isEqualTo(99);
        assertThat(HookSlot.SNAT_END.priority()).isEqualTo(101);
        assertThat(HookSlot.FIRST.priority()).isEqualTo(Integer.MIN_VALUE + 1);
        assertThat(HookSlot.LAST.priority()).isEqualTo(Integer.MAX_VALUE - 1);
    }
}
