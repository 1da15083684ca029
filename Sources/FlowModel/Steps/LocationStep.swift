import Yams

/// `location: { latitude: 52.37, longitude: 4.89, name: …, address: … }`: sends a map pin.
public struct LocationStep: Hashable, Sendable {
    public var latitude: Double
    public var longitude: Double
    public var name: TextTemplate?
    public var address: TextTemplate?

    static func read(key: String, value: Yams.Node, node: MappingReader, flow: FlowContext) -> LocationStep? {
        let context = node.context
        guard let reader = context.mapping(value, "'location'") else { return nil }
        let latitude = reader.double("latitude", required: true)
        let longitude = reader.double("longitude", required: true)
        let name = reader.text("name")
        let address = reader.text("address")
        reader.reportUnknownKeys(in: "a location message")
        if let latitude, !(-90...90).contains(latitude.value) {
            context.report(.error(.invalidValue, "latitude must be between -90 and 90", at: latitude.location))
        }
        if let longitude, !(-180...180).contains(longitude.value) {
            context.report(.error(.invalidValue, "longitude must be between -180 and 180", at: longitude.location))
        }
        guard let latitude, let longitude else { return nil }
        return LocationStep(latitude: latitude.value, longitude: longitude.value, name: name, address: address)
    }
}

extension LocationStep: StepKind {
    static let keys = ["location"]
    var step: Step { .location(self) }
    var isFreeForm: Bool { true }
    var texts: [TextTemplate] { [name, address].compactMap { $0 } }
}
