package io.kaji.controllers.nodeipam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CidrAllocatorTest {

    @Test
    void handsOutTheLowestFreeSubnetAndReusesReleasedOnes() {
        CidrAllocator a = new CidrAllocator("10.42.0.0/16", 24);
        assertThat(a.allocate()).isEqualTo("10.42.0.0/24");
        assertThat(a.allocate()).isEqualTo("10.42.1.0/24");
        assertThat(a.occupy("10.42.2.0/24")).isTrue();
        assertThat(a.allocate()).isEqualTo("10.42.3.0/24");
        a.release("10.42.1.0/24");
        assertThat(a.allocate()).isEqualTo("10.42.1.0/24");
        assertThat(a.inUse()).isEqualTo(4);
    }

    @Test
    void subnetsOutsideTheRangeAreNotOccupied() {
        CidrAllocator a = new CidrAllocator("100.64.0.0/16", 24);
        assertThat(a.occupy("10.42.0.0/24")).isFalse();
        assertThat(a.occupy("100.64.0.0/25")).isFalse();
        assertThat(a.occupy("100.64.0.128/24")).isFalse();
        assertThat(a.allocate()).isEqualTo("100.64.0.0/24");
    }

    @Test
    void anExhaustedRangeSaysSo() {
        CidrAllocator a = new CidrAllocator("100.64.0.0/23", 24);
        a.allocate();
        a.allocate();
        assertThatThrownBy(a::allocate).hasMessageContaining("100.64.0.0/23 has no free /24 left");
    }

    @Test
    void badRangesAreRefused() {
        assertThatThrownBy(() -> new CidrAllocator("10.42.0.0", 24)).hasMessageContaining("a.b.c.d/n");
        assertThatThrownBy(() -> new CidrAllocator("10.42.0.1/16", 24)).hasMessageContaining("host bits");
        assertThatThrownBy(() -> new CidrAllocator("10.42.0.0/24", 16)).hasMessageContaining("cannot split");
    }
}
