// Attributes of the braid dialect: parameter initializers.
#ifndef BRAID_ATTRS_TD
#define BRAID_ATTRS_TD

include "dialects/braid/IR/BraidDialect.td"
include "mlir/IR/EnumAttr.td"

// Serialized in plans by name, never by number, but append only all the same.
def Braid_InitKind : I32EnumAttr<"InitKind", "parameter initializer", [
    I32EnumAttrCase<"zeros", 0>,
    I32EnumAttrCase<"ones", 1>,
    I32EnumAttrCase<"constant", 2>,
    I32EnumAttrCase<"uniform", 3>,
    I32EnumAttrCase<"normal", 4>,
    I32EnumAttrCase<"glorot_uniform", 5>,
    I32EnumAttrCase<"he_normal", 6>,
  ]> {
  let cppNamespace = "::braid";
  let genSpecializedAttr = 0;
}

def Braid_InitializerAttr : AttrDef<Braid_Dialect, "Initializer"> {
  let mnemonic = "init";
  let summary = "how a parameter's initial value is drawn";
  let description = [{
    The initializer of a trainable parameter, attached to its `@forward`
    argument as `braid.init`. The runtime draws the value from a seeded
    generator.

    ```mlir
    #braid.init<zeros>            // 0
    #braid.init<ones>             // 1
    #braid.init<constant(0.5)>    // 0.5
    #braid.init<uniform(-0.1, 0.1)>
    #braid.init<normal(0.0, 0.02)>  // mean, standard deviation
    #braid.init<glorot_uniform>   // U(-a, a), a = sqrt(6 / (fan_in + fan_out))
    #braid.init<he_normal>        // N(0, 2 / fan_in)
    ```

    Constraints: (c1) `constant` takes one argument, `uniform` and `normal`
    two, the others none; (c2) `uniform` needs low < high; (c3) `normal` needs
    a positive standard deviation; (c4) every argument is finite.
  }];
  let parameters = (ins "::braid::InitKind":$kind,
                        "::mlir::DenseF64ArrayAttr":$args);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let builders = [
    AttrBuilder<(ins "::braid::InitKind":$kind, "::llvm::ArrayRef<double>":$args), [{
      return $_get($_ctxt, kind, ::mlir::DenseF64ArrayAttr::get($_ctxt, args));
    }]>
  ];
  let extraClassDeclaration = [{
    /// How many arguments an initializer of `kind` takes.
    static unsigned arity(::braid::InitKind kind);
  }];
}

#endif // BRAID_ATTRS_TD
