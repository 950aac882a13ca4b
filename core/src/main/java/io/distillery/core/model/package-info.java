/**
 * Models as data: the layer DSL ({@link io.distillery.core.model.LayerSpec},
 * {@link io.distillery.core.model.ModelSpec}), the TensorFlow graph built from it with stable
 * variable names ({@link io.distillery.core.model.ModelGraph}), weights by name, seeded
 * initialisation and inference ({@link io.distillery.core.model.Predictor}).
 */
package io.distillery.core.model;
