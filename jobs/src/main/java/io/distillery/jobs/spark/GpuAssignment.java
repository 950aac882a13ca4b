package io.distillery.jobs.spark;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.apache.spark.resource.ResourceInformation;

/**
 * Which GPUs a training task's TensorFlow session may see: exactly the addresses Spark's resource
 * scheduler assigned to the task ({@code spark.task.resource.gpu.amount}, discovered on each executor
 * by {@code cluster-conf/gpu-discovery.sh}). The result is TensorFlow's
 * {@code gpu_options.visible_device_list}; the empty string (no GPU assigned) leaves TensorFlow on the
 * CPU of a CPU build, or on every GPU of a GPU build when Spark schedules no GPUs at all.
 */
public final class GpuAssignment {
    public static final String RESOURCE = "gpu";

    private GpuAssignment() {}

    /** From a task's resources ({@code TaskContext.resourcesJMap()}). */
    public static String visibleDeviceList(Map<String, ResourceInformation> resources) {
        ResourceInformation gpu = resources == null ? null : resources.get(RESOURCE);
        return gpu == null ? "" : visibleDeviceList(gpu.addresses());
    }

    /**
     * @param addresses GPU addresses as Spark assigned them: CUDA ordinals ("0", "3")
     * @return the ordinals comma-separated in assignment order, duplicates dropped (a GPU shared by
     *     tasks through a fractional amount appears once); "" for none
     */
    public static String visibleDeviceList(String[] addresses) {
        if (addresses == null || addresses.length == 0) {
            return "";
        }
        Set<String> out = new LinkedHashSet<>();
        for (String a : addresses) {
            String t = a == null ? "" : a.trim();
            if (!t.matches("\\d+")) {
                throw new IllegalArgumentException(
                        "GPU address '" + a + "' assigned by Spark is not a CUDA ordinal (0, 1, ...); the discovery"
                                + " script (spark.executor.resource.gpu.discoveryScript) must print ordinals, e.g."
                                + " {\"name\": \"gpu\", \"addresses\": [\"0\", \"1\"]}");
            }
            out.add(String.valueOf(Integer.parseInt(t)));
        }
        return String.join(",", out);
    }
}
