package io.distillery.export;

import io.distillery.core.model.LayerSpec;

/**
 * A layer (or one of its options, such as an activation) that an export format cannot express. Thrown
 * before anything is written, so a format never receives a silently wrong model.
 */
public final class UnsupportedLayerException extends IllegalArgumentException {
    private final String format;
    private final String layerName;

    /**
     * @param format the export format, e.g. {@code TFLite int8}
     * @param layerName the layer's stable name, e.g. {@code maxpool_1}
     * @param layer the layer as written in the spec
     * @param reason what the format lacks and what it supports instead
     */
    public UnsupportedLayerException(String format, String layerName, LayerSpec layer, String reason) {
        super(format + " cannot express layer " + layerName + " (" + layer + "): " + reason);
        this.format = format;
        this.layerName = layerName;
    }

    /** The export format that rejected the layer. */
    public String format() {
        return format;
    }

    /** The stable name of the rejected layer. */
    public String layerName() {
        return layerName;
    }
}
