import FlowModel

/// Any bytes as a flow file: load, then validate what loaded. Nothing may trap or hang.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLoader(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let yaml = String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
    let result = FlowLoader.load(yaml: yaml, file: "fuzz.yaml")
    if let flow = result.flow { _ = FlowValidator.validate(flow) }
    return 0
}
