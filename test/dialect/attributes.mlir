// RUN: braid-opt %s --split-input-file --verify-diagnostics | braid-opt --split-input-file | FileCheck %s

// The model-interface attributes: #braid.init and braid.input,
// braid.batch_dims, braid.param,
// braid.init on @forward's arguments; braid.output, braid.loss on its results;
// braid.model, braid.batch, braid.train on the module.
//
// #braid.init: (c1) `constant` takes one argument, `uniform` and `normal`
// two, the others none; (c2) `uniform` needs low < high; (c3) `normal` needs
// a positive standard deviation; (c4) every argument is finite.

// Tests that every initializer kind and every argument and result attribute
// print and parse back.
// CHECK-LABEL: func.func @forward
// CHECK-SAME: %{{.*}}: tensor<4x8xf32> {braid.input = "x"}
// CHECK-SAME: %{{.*}}: tensor<4xi32> {braid.input = "y"}
// CHECK-SAME: %{{.*}}: tensor<8xf32> {braid.init = #braid.init<zeros>, braid.param = "zeros"}
// CHECK-SAME: %{{.*}}: tensor<8xf32> {braid.init = #braid.init<ones>, braid.param = "ones"}
// CHECK-SAME: %{{.*}}: tensor<8xf32> {braid.init = #braid.init<constant(5.000000e-01)>, braid.param = "constant"}
// CHECK-SAME: %{{.*}}: tensor<8xf32> {braid.init = #braid.init<uniform(-1.000000e-01, 1.000000e-01)>, braid.param = "uniform"}
// CHECK-SAME: %{{.*}}: tensor<8xf32> {braid.init = #braid.init<normal(0.000000e+00, 2.000000e-02)>, braid.param = "normal"}
// CHECK-SAME: %{{.*}}: tensor<8x8xf32> {braid.init = #braid.init<glorot_uniform>, braid.param = "glorot_uniform"}
// CHECK-SAME: %{{.*}}: tensor<8x8xf32> {braid.init = #braid.init<he_normal>, braid.param = "he_normal"}
// CHECK-SAME: -> (tensor<4x8xf32> {braid.output = "logits"}, tensor<f32> {braid.loss = "loss"})
func.func @forward(
    %x: tensor<4x8xf32> {braid.input = "x"},
    %y: tensor<4xi32> {braid.input = "y"},
    %a: tensor<8xf32> {braid.param = "zeros", braid.init = #braid.init<zeros>},
    %b: tensor<8xf32> {braid.param = "ones", braid.init = #braid.init<ones>},
    %c: tensor<8xf32> {braid.param = "constant", braid.init = #braid.init<constant(0.5)>},
    %d: tensor<8xf32> {braid.param = "uniform", braid.init = #braid.init<uniform(-0.1, 0.1)>},
    %e: tensor<8xf32> {braid.param = "normal", braid.init = #braid.init<normal(0.0, 0.02)>},
    %f: tensor<8x8xf32> {braid.param = "glorot_uniform", braid.init = #braid.init<glorot_uniform>},
    %g: tensor<8x8xf32> {braid.param = "he_normal", braid.init = #braid.init<he_normal>})
    -> (tensor<4x8xf32> {braid.output = "logits"}, tensor<f32> {braid.loss = "loss"}) {
  %0 = braid.add %x, %a : tensor<4x8xf32>, tensor<8xf32>
  %1 = braid.sparse_softmax_cross_entropy %0, %y : tensor<4x8xf32>, tensor<4xi32>
  return %0, %1 : tensor<4x8xf32>, tensor<f32>
}

// -----

// Tests that the module attributes with an sgd train block print and parse
// back.
// CHECK: module attributes {braid.batch = 64 : i64, braid.model = "mlp", braid.train = {batch = 64 : i64, epochs = 10 : i64, loss = "loss", lr = 1.000000e-01 : f64, momentum = 0.000000e+00 : f64, optimizer = "sgd"}}
module attributes {braid.model = "mlp", braid.batch = 64 : i64, braid.train = {loss = "loss", optimizer = "sgd", lr = 0.1 : f64, momentum = 0.0 : f64, batch = 64 : i64, epochs = 10 : i64}} {
}

// -----

// Tests that an adam train block prints and parses back.
// CHECK: module attributes {braid.train = {batch = 4 : i64, beta1 = 9.000000e-01 : f64, beta2 = 0.99899999999999999 : f64, epochs = 1 : i64, eps = 1.000000e-08 : f64, loss = "loss", lr = 1.000000e-03 : f64, optimizer = "adam"}}
module attributes {braid.train = {loss = "loss", optimizer = "adam", lr = 1.0e-3 : f64, beta1 = 0.9 : f64, beta2 = 0.999 : f64, eps = 1.0e-8 : f64, batch = 4 : i64, epochs = 1 : i64}} {
}

// -----

// Tests that braid.batch_dims on an input prints and parses back, naming the
// batch rows at the leading dimension, elsewhere, or at two dimensions of
// one size.
// CHECK-LABEL: func.func @batch_dims
// CHECK-SAME: %{{.*}}: tensor<4x8xf32> {braid.batch_dims = array<i64: 0>, braid.input = "x"}
// CHECK-SAME: %{{.*}}: tensor<2x4xf32> {braid.batch_dims = array<i64: 1>, braid.input = "z"}
// CHECK-SAME: %{{.*}}: tensor<4x4xf32> {braid.batch_dims = array<i64: 0, 1>, braid.input = "g"}
func.func @batch_dims(%x: tensor<4x8xf32> {braid.input = "x", braid.batch_dims = array<i64: 0>},
                      %z: tensor<2x4xf32> {braid.input = "z", braid.batch_dims = array<i64: 1>},
                      %g: tensor<4x4xf32> {braid.input = "g", braid.batch_dims = array<i64: 0, 1>}) {
  return
}

// -----

// Tests that braid.batch_dims belongs on an input only.
// expected-error @+1 {{'braid.batch_dims' on argument #0, which is not a 'braid.input'}}
func.func @batch_dims_not_input(%w: tensor<4xf32> {braid.param = "w", braid.init = #braid.init<zeros>, braid.batch_dims = array<i64: 0>}) {
  return
}

// -----

// Tests that braid.batch_dims names dimensions of the input, in increasing
// order.
// expected-error @+1 {{'braid.batch_dims' of argument #0 must be increasing dimensions of its type 'tensor<4x8xf32>', got array<i64: 2>}}
func.func @batch_dims_range(%x: tensor<4x8xf32> {braid.input = "x", braid.batch_dims = array<i64: 2>}) {
  return
}

// -----

// Tests that the batch dimensions of one input have one size.
// expected-error @+1 {{'braid.batch_dims' of argument #0 names dimensions of different sizes in 'tensor<4x8xf32>'}}
func.func @batch_dims_sizes(%x: tensor<4x8xf32> {braid.input = "x", braid.batch_dims = array<i64: 0, 1>}) {
  return
}

// -----

// Tests that zeros takes no argument (init c1).
// expected-error @+1 {{initializer 'zeros' takes 0 argument(s), got 1}}
func.func @init_c1(%w: tensor<4xf32> {braid.param = "w", braid.init = #braid.init<zeros(1.0)>}) {
  return
}

// -----

// Tests that constant needs its argument (init c1).
// expected-error @+1 {{initializer 'constant' takes 1 argument(s), got 0}}
func.func @init_c1_constant(%w: tensor<4xf32> {braid.param = "w", braid.init = #braid.init<constant>}) {
  return
}

// -----

// Tests that uniform needs two arguments (init c1).
// expected-error @+1 {{initializer 'uniform' takes 2 argument(s), got 1}}
func.func @init_c1_uniform(%w: tensor<4xf32> {braid.param = "w", braid.init = #braid.init<uniform(0.1)>}) {
  return
}

// -----

// Tests that normal takes no more than two arguments (init c1).
// expected-error @+1 {{initializer 'normal' takes 2 argument(s), got 3}}
func.func @init_c1_normal(%w: tensor<4xf32> {braid.param = "w", braid.init = #braid.init<normal(0.0, 1.0, 2.0)>}) {
  return
}

// -----

// Tests that uniform rejects an empty range (init c2).
// expected-error @+1 {{uniform(0.1, 0.1) needs low < high}}
func.func @init_c2(%w: tensor<4xf32> {braid.param = "w", braid.init = #braid.init<uniform(0.1, 0.1)>}) {
  return
}

// -----

// Tests that uniform rejects swapped bounds (init c2).
// expected-error @+1 {{uniform(1, -1) needs low < high}}
func.func @init_c2_swapped(%w: tensor<4xf32> {braid.param = "w", braid.init = #braid.init<uniform(1.0, -1.0)>}) {
  return
}

// -----

// Tests that normal rejects a zero standard deviation (init c3).
// expected-error @+1 {{normal(0, 0) needs a positive standard deviation}}
func.func @init_c3(%w: tensor<4xf32> {braid.param = "w", braid.init = #braid.init<normal(0.0, 0.0)>}) {
  return
}

// -----

// Tests that normal rejects a negative standard deviation (init c3).
// expected-error @+1 {{normal(1, -1) needs a positive standard deviation}}
func.func @init_c3_negative(%w: tensor<4xf32> {braid.param = "w", braid.init = #braid.init<normal(1.0, -1.0)>}) {
  return
}

// -----

// Tests that an infinite argument is rejected (init c4).
// expected-error @+1 {{initializer 'constant' has a non-finite argument}}
func.func @init_c4(%w: tensor<4xf32> {braid.param = "w", braid.init = #braid.init<constant(0x7FF0000000000000)>}) {
  return
}

// -----

// Tests that a NaN argument is rejected (init c4).
// expected-error @+1 {{initializer 'constant' has a non-finite argument}}
func.func @init_c4_nan(%w: tensor<4xf32> {braid.param = "w", braid.init = #braid.init<constant(0x7FF8000000000000)>}) {
  return
}

// -----

// Tests that a literal too large for f64 is rejected as infinite (init c4).
// expected-error @+1 {{initializer 'uniform' has a non-finite argument}}
func.func @init_c4_overflow(%w: tensor<4xf32> {braid.param = "w", braid.init = #braid.init<uniform(-1.0e400, 1.0)>}) {
  return
}

// -----

// Tests that an unknown initializer kind is rejected.
// expected-error @+1 {{unknown initializer 'xavier'; expected zeros, ones, constant(v), uniform(low, high), normal(mean, std), glorot_uniform or he_normal}}
func.func @init_unknown(%w: tensor<4xf32> {braid.param = "w", braid.init = #braid.init<xavier>}) {
  return
}

// -----

// Tests that a parameter needs an initializer.
// expected-error @+1 {{parameter argument #0 has no 'braid.init'}}
func.func @param_without_init(%w: tensor<4xf32> {braid.param = "w"}) {
  return
}

// -----

// Tests that an initializer on an input is rejected.
// expected-error @+1 {{'braid.init' on argument #1, which is not a 'braid.param'}}
func.func @init_on_input(%x: tensor<4xf32> {braid.input = "x"}, %y: tensor<4xf32> {braid.input = "y", braid.init = #braid.init<zeros>}) {
  return
}

// -----

// Tests that an initializer on an argument without other attributes is
// rejected.
// expected-error @+1 {{'braid.init' on argument #0, which is not a 'braid.param'}}
func.func @init_alone(%w: tensor<4xf32> {braid.init = #braid.init<ones>}) {
  return
}

// -----

// Tests that braid.init must hold a #braid.init.
// expected-error @+1 {{'braid.init' must be a #braid.init, got 1.000000e+00 : f64}}
func.func @init_not_initializer(%w: tensor<4xf32> {braid.param = "w", braid.init = 1.0}) {
  return
}

// -----

// Tests that a parameter must be an f32 tensor.
// expected-error @+1 {{parameter argument #0 must be a static f32 tensor, got 'tensor<4xi32>'}}
func.func @param_i32(%w: tensor<4xi32> {braid.param = "w", braid.init = #braid.init<zeros>}) {
  return
}

// -----

// Tests that an input must be statically shaped.
// expected-error @+1 {{input argument #0 must be a static f32 or i32 tensor, got 'tensor<?x4xf32>'}}
func.func @input_dynamic(%x: tensor<?x4xf32> {braid.input = "x"}) {
  return
}

// -----

// Tests that an input's name must not be empty.
// expected-error @+1 {{'braid.input' must be a non-empty string, got ""}}
func.func @input_empty_name(%x: tensor<4xf32> {braid.input = ""}) {
  return
}

// -----

// Tests that a parameter's name must be a string.
// expected-error @+1 {{'braid.param' must be a non-empty string, got 3 : i64}}
func.func @param_not_string(%w: tensor<4xf32> {braid.param = 3, braid.init = #braid.init<zeros>}) {
  return
}

// -----

// Tests that a loss must be a scalar.
// expected-error @+1 {{loss result #0 must be tensor<f32>, got 'tensor<4xf32>'}}
func.func @loss_not_scalar(%x: tensor<4xf32>) -> (tensor<4xf32> {braid.loss = "loss"}) {
  return %x : tensor<4xf32>
}

// -----

// Tests that a loss must be f32.
// expected-error @+1 {{loss result #1 must be tensor<f32>, got 'tensor<i32>'}}
func.func @loss_i32(%x: tensor<4xf32>, %n: tensor<i32>) -> (tensor<4xf32> {braid.output = "y"}, tensor<i32> {braid.loss = "loss"}) {
  return %x, %n : tensor<4xf32>, tensor<i32>
}

// -----

// Tests that an output's name must not be empty.
// expected-error @+1 {{'braid.output' must be a non-empty string, got ""}}
func.func @output_empty_name(%x: tensor<4xf32>) -> (tensor<4xf32> {braid.output = ""}) {
  return %x : tensor<4xf32>
}

// -----

// Tests that an unknown argument attribute is rejected.
// expected-error @+1 {{unknown argument attribute 'braid.label'}}
func.func @unknown_argument_attribute(%x: tensor<4xf32> {braid.label = "x"}) {
  return
}

// -----

// Tests that an unknown result attribute is rejected.
// expected-error @+1 {{unknown result attribute 'braid.metric'}}
func.func @unknown_result_attribute(%x: tensor<4xf32>) -> (tensor<4xf32> {braid.metric = "acc"}) {
  return %x : tensor<4xf32>
}

// -----

// Tests that an argument attribute on the function itself is taken for a
// module attribute and rejected.
// expected-error @+1 {{'braid.input' belongs on a function argument}}
func.func @input_on_function() attributes {braid.input = "x"} {
  return
}

// -----

// Tests that an unknown module attribute is rejected.
// expected-error @+1 {{unknown module attribute 'braid.seed'}}
module attributes {braid.seed = 1 : i64} {
}

// -----

// Tests that braid.model is rejected on an op other than the module.
// expected-error @+1 {{'braid.model' belongs on the module}}
func.func @model_on_function() attributes {braid.model = "mlp"} {
  return
}

// -----

// Tests that the model's name must not be empty.
// expected-error @+1 {{'braid.model' must be a non-empty string, got ""}}
module attributes {braid.model = ""} {
}

// -----

// Tests that the batch must be positive.
// expected-error @+1 {{'braid.batch' must be a positive i64, got 0 : i64}}
module attributes {braid.batch = 0 : i64} {
}

// -----

// Tests that the batch must be an i64.
// expected-error @+1 {{'braid.batch' must be a positive i64, got 4 : i32}}
module attributes {braid.batch = 4 : i32} {
}

// -----

// Tests that the train block must be a dictionary.
// expected-error @+1 {{'braid.train' must be a dictionary, got "sgd"}}
module attributes {braid.train = "sgd"} {
}

// -----

// Tests that the train block needs a loss.
// expected-error @+1 {{'braid.train' needs a string 'loss'}}
module attributes {braid.train = {optimizer = "sgd", lr = 0.1 : f64, momentum = 0.9 : f64, batch = 4 : i64, epochs = 1 : i64}} {
}

// -----

// Tests that an optimizer other than sgd and adam is rejected.
// expected-error @+1 {{'braid.train' optimizer must be "sgd", "adam" or "adamw", got "rmsprop"}}
module attributes {braid.train = {loss = "loss", optimizer = "rmsprop", lr = 0.1 : f64, batch = 4 : i64, epochs = 1 : i64}} {
}

// -----

// Tests that the train block needs an optimizer.
// expected-error @+1 {{'braid.train' optimizer must be "sgd", "adam" or "adamw", got nothing}}
module attributes {braid.train = {loss = "loss", lr = 0.1 : f64, batch = 4 : i64, epochs = 1 : i64}} {
}

// -----

// Tests that a learning rate of 0 is rejected.
// expected-error @+1 {{'braid.train' lr = 0 is out of range (0, 1e+06)}}
module attributes {braid.train = {loss = "loss", optimizer = "sgd", lr = 0.0 : f64, momentum = 0.9 : f64, batch = 4 : i64, epochs = 1 : i64}} {
}

// -----

// Tests that a negative learning rate is rejected.
// expected-error @+1 {{'braid.train' lr = -0.1 is out of range (0, 1e+06)}}
module attributes {braid.train = {loss = "loss", optimizer = "adam", lr = -0.1 : f64, beta1 = 0.9 : f64, beta2 = 0.999 : f64, eps = 1.0e-8 : f64, batch = 4 : i64, epochs = 1 : i64}} {
}

// -----

// Tests that the learning rate must be an f64.
// expected-error @+1 {{'braid.train' needs an f64 'lr'}}
module attributes {braid.train = {loss = "loss", optimizer = "sgd", lr = 0.1 : f32, momentum = 0.9 : f64, batch = 4 : i64, epochs = 1 : i64}} {
}

// -----

// Tests that a momentum of 1 is rejected.
// expected-error @+1 {{'braid.train' momentum = 1 is out of range [0, 1)}}
module attributes {braid.train = {loss = "loss", optimizer = "sgd", lr = 0.1 : f64, momentum = 1.0 : f64, batch = 4 : i64, epochs = 1 : i64}} {
}

// -----

// Tests that a negative momentum is rejected.
// expected-error @+1 {{'braid.train' momentum = -0.5 is out of range [0, 1)}}
module attributes {braid.train = {loss = "loss", optimizer = "sgd", lr = 0.1 : f64, momentum = -0.5 : f64, batch = 4 : i64, epochs = 1 : i64}} {
}

// -----

// Tests that sgd needs a momentum.
// expected-error @+1 {{'braid.train' needs an f64 'momentum'}}
module attributes {braid.train = {loss = "loss", optimizer = "sgd", lr = 0.1 : f64, batch = 4 : i64, epochs = 1 : i64}} {
}

// -----

// Tests that adam rejects beta1 = 1.
// expected-error @+1 {{'braid.train' beta1 = 1 is out of range [0, 1)}}
module attributes {braid.train = {loss = "loss", optimizer = "adam", lr = 0.1 : f64, beta1 = 1.0 : f64, beta2 = 0.999 : f64, eps = 1.0e-8 : f64, batch = 4 : i64, epochs = 1 : i64}} {
}

// -----

// Tests that adam rejects eps = 0.
// expected-error @+1 {{'braid.train' eps = 0 is out of range (0, 1)}}
module attributes {braid.train = {loss = "loss", optimizer = "adam", lr = 0.1 : f64, beta1 = 0.9 : f64, beta2 = 0.999 : f64, eps = 0.0 : f64, batch = 4 : i64, epochs = 1 : i64}} {
}

// -----

// Tests that a train batch of 0 is rejected.
// expected-error @+1 {{'braid.train batch' must be a positive i64, got 0 : i64}}
module attributes {braid.train = {loss = "loss", optimizer = "sgd", lr = 0.1 : f64, momentum = 0.9 : f64, batch = 0 : i64, epochs = 1 : i64}} {
}

// -----

// Tests that a negative train batch is rejected.
// expected-error @+1 {{'braid.train batch' must be a positive i64, got -3 : i64}}
module attributes {braid.train = {loss = "loss", optimizer = "sgd", lr = 0.1 : f64, momentum = 0.9 : f64, batch = -3 : i64, epochs = 1 : i64}} {
}

// -----

// Tests that zero epochs are rejected.
// expected-error @+1 {{'braid.train epochs' must be a positive i64, got 0 : i64}}
module attributes {braid.train = {loss = "loss", optimizer = "sgd", lr = 0.1 : f64, momentum = 0.9 : f64, batch = 4 : i64, epochs = 0 : i64}} {
}

// -----

// Tests that a key that is not a hyper-parameter of the optimizer is rejected
// (here adam's beta1 given to sgd).
// expected-error @+1 {{'braid.train' has unknown key 'beta1' for optimizer "sgd"}}
module attributes {braid.train = {loss = "loss", optimizer = "sgd", lr = 0.1 : f64, momentum = 0.0 : f64, beta1 = 0.9 : f64, batch = 4 : i64, epochs = 1 : i64}} {
}

// -----

// Tests that the train block's batch must agree with braid.batch.
// expected-error @+1 {{'braid.train' batch = 8 differs from braid.batch = 4}}
module attributes {braid.batch = 4 : i64, braid.train = {loss = "loss", optimizer = "sgd", lr = 0.1 : f64, momentum = 0.0 : f64, batch = 8 : i64, epochs = 1 : i64}} {
}

// -----

// Tests that the train block's loss must name a braid.loss result of @forward.
// expected-error @+1 {{'braid.train' loss "loss" is not a braid.loss result of @forward}}
module attributes {braid.train = {loss = "loss", optimizer = "sgd", lr = 0.1 : f64, momentum = 0.0 : f64, batch = 4 : i64, epochs = 1 : i64}} {
  func.func @forward(%x: tensor<f32> {braid.input = "x"}) -> (tensor<f32> {braid.loss = "other"}) {
    return %x : tensor<f32>
  }
}

// -----

// Tests that a train block whose loss is a braid.loss result of @forward is
// accepted.
// CHECK-LABEL: func.func @forward
// CHECK-SAME: braid.loss = "loss"
module attributes {braid.batch = 4 : i64, braid.train = {loss = "loss", optimizer = "sgd", lr = 0.1 : f64, momentum = 0.0 : f64, batch = 4 : i64, epochs = 1 : i64}} {
  func.func @forward(%x: tensor<f32> {braid.input = "x"}) -> (tensor<f32> {braid.loss = "loss"}) {
    return %x : tensor<f32>
  }
}

// -----

// Tests that two inputs may not share a name.
// expected-error @+1 {{arguments #0 and #1 are both named "x"}}
func.func @duplicate_input(%a: tensor<4xf32> {braid.input = "x"}, %b: tensor<4xf32> {braid.input = "x"}) {
  return
}

// -----

// Tests that an input and a parameter may not share a name.
// expected-error @+1 {{arguments #0 and #1 are both named "w"}}
func.func @duplicate_param(%a: tensor<4xf32> {braid.input = "w"}, %b: tensor<4xf32> {braid.param = "w", braid.init = #braid.init<zeros>}) {
  return
}

// -----

// Tests that a result attribute on the module names where it belongs.
// expected-error @+1 {{'braid.output' belongs on a function result}}
module attributes {braid.output = "y"} {
}

// -----

// Tests that the lowering attributes braid.entry_point and braid.arena_bytes
// on a function and braid.offset on a braid op print and parse back.
// CHECK-LABEL: func.func @predict
// CHECK-SAME: attributes {braid.arena_bytes = 128 : i64, braid.entry_point = "predict"}
// CHECK: braid.relu %{{.*}} {braid.offset = 64 : i64} : tensor<4xf32>
func.func @predict(%x: tensor<4xf32> {braid.input = "x"}) -> (tensor<4xf32> {braid.output = "y"})
    attributes {braid.entry_point = "predict", braid.arena_bytes = 128 : i64} {
  %0 = braid.relu %x {braid.offset = 64 : i64} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Tests that an entry point's name must not be empty.
// expected-error @+1 {{'braid.entry_point' must be a non-empty string, got ""}}
func.func @entry_point_empty() attributes {braid.entry_point = ""} {
  return
}

// -----

// Tests that braid.entry_point belongs on a function.
// expected-error @+1 {{'braid.entry_point' belongs on a function}}
module attributes {braid.entry_point = "predict"} {
}

// -----

// Tests that the arena size must be positive.
// expected-error @+1 {{'braid.arena_bytes' must be a positive i64, got 0 : i64}}
func.func @arena_bytes_zero() attributes {braid.arena_bytes = 0 : i64} {
  return
}

// -----

// Tests that an arena offset must be a non-negative i64.
func.func @offset_negative(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'braid.offset' must be a non-negative i64, got -64 : i64}}
  %0 = braid.relu %x {braid.offset = -64 : i64} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Tests that braid.offset belongs on a braid op.
// expected-error @+1 {{'braid.offset' belongs on a braid op}}
func.func @offset_on_function() attributes {braid.offset = 0 : i64} {
  return
}

// -----

// Tests that a gradient result (braid-autodiff's braid.grad) naming a
// parameter of the function, of its type, prints and parses back.
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: -> (tensor<f32> {braid.loss = "loss"}, tensor<8xf32> {braid.grad = "w"})
func.func @train_step(%w: tensor<8xf32> {braid.param = "w", braid.init = #braid.init<zeros>}, %l: tensor<f32>)
    -> (tensor<f32> {braid.loss = "loss"}, tensor<8xf32> {braid.grad = "w"}) {
  return %l, %w : tensor<f32>, tensor<8xf32>
}

// -----

// Tests that a gradient's parameter name must not be empty.
// expected-error @+1 {{'braid.grad' must be a non-empty string, got ""}}
func.func @grad_empty(%w: tensor<8xf32> {braid.param = "w", braid.init = #braid.init<zeros>})
    -> (tensor<8xf32> {braid.grad = ""}) {
  return %w : tensor<8xf32>
}

// -----

// Tests that a gradient must name a parameter of the function.
// expected-error @+1 {{gradient result #0 names no braid.param argument: "v"}}
func.func @grad_unknown(%w: tensor<8xf32> {braid.param = "w", braid.init = #braid.init<zeros>})
    -> (tensor<8xf32> {braid.grad = "v"}) {
  return %w : tensor<8xf32>
}

// -----

// Tests that a gradient must have its parameter's type.
// expected-error @+1 {{gradient result #0 has type 'tensor<4xf32>' but parameter "w" has type 'tensor<8xf32>'}}
func.func @grad_type(%w: tensor<8xf32> {braid.param = "w", braid.init = #braid.init<zeros>}, %g: tensor<4xf32>)
    -> (tensor<4xf32> {braid.grad = "w"}) {
  return %g : tensor<4xf32>
}

// -----

// Tests that braid.grad belongs on a function result.
// expected-error @+1 {{'braid.grad' belongs on a function result}}
func.func @grad_on_function() attributes {braid.grad = "w"} {
  return
}

// -----

// Tests that the train block's settings for transformers verify: adamw
// with its weight_decay, a schedule, clip_norm, accumulate, steps and
// no_decay, and sgd with and without its optional weight_decay.
module attributes {braid.train = {loss = "loss", optimizer = "adamw", lr = 3.0e-4 : f64, beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, weight_decay = 0.1 : f64, schedule = {kind = "warmup_cosine", warmup = 200 : i64, total = 2000 : i64, floor = 0.1 : f64}, clip_norm = 1.0 : f64, accumulate = 2 : i64, steps = 2000 : i64, no_decay = ["pos", "blocks.*"], batch = 4 : i64, epochs = 1 : i64}} {
}
module attributes {braid.train = {loss = "loss", optimizer = "sgd", lr = 0.1 : f64, momentum = 0.9 : f64, weight_decay = 1.0e-4 : f64, schedule = {kind = "step_decay", every = 30 : i64, gamma = 0.1 : f64}, batch = 4 : i64, epochs = 1 : i64}} {
}

// -----

// Tests that adamw needs its weight_decay (only sgd's is optional).
// expected-error @+1 {{'braid.train' needs an f64 'weight_decay' for "adamw"}}
module attributes {braid.train = {loss = "loss", optimizer = "adamw", lr = 3.0e-4 : f64, beta1 = 0.9 : f64, beta2 = 0.95 : f64, eps = 1.0e-8 : f64, batch = 4 : i64, epochs = 1 : i64}} {
}

// -----

// Tests that accumulate must be a positive i64.
// expected-error @+1 {{'braid.train accumulate' must be a positive i64, got 0 : i64}}
module attributes {braid.train = {loss = "loss", optimizer = "sgd", lr = 0.1 : f64, momentum = 0.9 : f64, accumulate = 0 : i64, batch = 4 : i64, epochs = 1 : i64}} {
}

// -----

// Tests that steps must be a positive i64.
// expected-error @+1 {{'braid.train steps' must be a positive i64, got -5 : i64}}
module attributes {braid.train = {loss = "loss", optimizer = "sgd", lr = 0.1 : f64, momentum = 0.9 : f64, steps = -5 : i64, batch = 4 : i64, epochs = 1 : i64}} {
}

// -----

// Tests that clip_norm must be a positive f64.
// expected-error @+1 {{'braid.train' clip_norm must be a positive f64, got 0.000000e+00 : f64}}
module attributes {braid.train = {loss = "loss", optimizer = "sgd", lr = 0.1 : f64, momentum = 0.9 : f64, clip_norm = 0.0 : f64, batch = 4 : i64, epochs = 1 : i64}} {
}

// -----

// Tests that no_decay must be an array of names.
// expected-error @+1 {{'braid.train' no_decay must be an array of parameter names, got ["w", 3]}}
module attributes {braid.train = {loss = "loss", optimizer = "sgd", lr = 0.1 : f64, momentum = 0.9 : f64, no_decay = ["w", 3], batch = 4 : i64, epochs = 1 : i64}} {
}

// -----

// Tests that the schedule must be one the train block accepts.
// expected-error @+1 {{'braid.train' schedule must be a dictionary whose kind is "constant", "warmup_cosine", "warmup_linear" or "step_decay", got "cosine"}}
module attributes {braid.train = {loss = "loss", optimizer = "sgd", lr = 0.1 : f64, momentum = 0.9 : f64, schedule = "cosine", batch = 4 : i64, epochs = 1 : i64}} {
}

// -----

// Tests that a step decay's gamma lies in (0, 1].
// expected-error @+1 {{'braid.train' schedule gamma = 0 is out of range}}
module attributes {braid.train = {loss = "loss", optimizer = "sgd", lr = 0.1 : f64, momentum = 0.9 : f64, schedule = {kind = "step_decay", every = 30 : i64, gamma = 0.0 : f64}, batch = 4 : i64, epochs = 1 : i64}} {
}
