/**
 * TensorFlow Lite export: float32 and full-integer int8 flatbuffers written from a
 * {@link io.distillery.core.model.ModelSpec} and its weights, plus {@link
 * io.distillery.export.tflite.TfLiteRunner}, which runs a {@code .tflite} file in the TFLite 2.6
 * interpreter (an independent runtime) to measure what a device would compute.
 *
 * <p>Layout: {@link io.distillery.export.tflite.TfLiteWriter} is the entry point;
 * {@code TfLiteGraph} walks the layers through the explicit {@code TfLiteMapping} (one {@code
 * LayerEmitter} per layer kind, one fused activation per {@code Activation}); a {@code TensorEncoding}
 * decides how tensors are stored (float32, or int8 with calibrated scales); {@code TfLiteModelBuilder}
 * assembles the flatbuffer with the schema's Object API. For int8, {@code Calibration} runs the float
 * model layer by layer in Java ({@code FloatForward}) over the representative rows to find each
 * activation's range.
 *
 * <p>Conventions the runtime enforces: file identifier {@code TFL3}, schema version 3, buffer 0 empty,
 * FULLY_CONNECTED weights {@code [out, in]}, CONV_2D filters OHWI; int8 weights symmetric in
 * [-127, 127] (per output channel for CONV_2D, per tensor for FULLY_CONNECTED, the only form TFLite
 * 2.6's kernel reads), int32 biases with scale input scale × weight scale, softmax output scale 1/256
 * and zero point -128.
 */
package io.distillery.export.tflite;
