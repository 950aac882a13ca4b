package io.distillery.jobs.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.apache.spark.resource.ResourceInformation;
import org.junit.jupiter.api.Test;

/** The GPU a task may use is exactly what Spark assigned it (no GPU on this machine: logic only). */
class GpuAssignmentTest {
    @Test
    void noGpuResourceMeansNoRestriction() {
        assertEquals("", GpuAssignment.visibleDeviceList(Map.of()));
        assertEquals("", GpuAssignment.visibleDeviceList((Map<String, ResourceInformation>) null));
        assertEquals("", GpuAssignment.visibleDeviceList(new String[0]));
    }

    @Test
    void assignedAddressesBecomeTheVisibleDeviceList() {
        assertEquals("1", GpuAssignment.visibleDeviceList(Map.of("gpu", new ResourceInformation("gpu", new String[] {"1"
        }))));
        assertEquals("2,0", GpuAssignment.visibleDeviceList(new String[] {"2", "0"}), "Spark's order is kept");
        assertEquals("3", GpuAssignment.visibleDeviceList(new String[] {" 3", "3"}), "a shared GPU appears once");
        assertEquals("7", GpuAssignment.visibleDeviceList(new String[] {"07"}));
    }

    @Test
    void otherResourcesAreIgnored() {
        assertEquals("", GpuAssignment.visibleDeviceList(Map.of("fpga", new ResourceInformation("fpga", new String[] {
            "0"
        }))));
    }

    @Test
    void addressesThatAreNotOrdinalsNameTheDiscoveryScript() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> GpuAssignment.visibleDeviceList(new String[] {"GPU-8f3a"}));
        assertTrue(e.getMessage().contains("GPU-8f3a"), e.getMessage());
        assertTrue(e.getMessage().contains("discoveryScript"), e.getMessage());
    }
}
